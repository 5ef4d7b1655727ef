/**
 * Every metric name and its labels, in one place (like kafkajs' instrumentationEvents.js), so
 * dashboards, alert rules and code agree. Prometheus naming: counters end in _total, times in _seconds.
 * Labels never carry record keys (unbounded cardinality).
 */
export const METRIC = {
  recordsConsumed: { name: 'humpback_records_consumed_total', help: 'Records read by a stage from its input topic.', labels: ['stage', 'topic'] },
  recordsProduced: { name: 'humpback_records_produced_total', help: 'Records a stage produced, acknowledged by the broker.', labels: ['stage', 'topic'] },
  recordsFiltered: { name: 'humpback_records_filtered_total', help: 'Records a stage dropped on purpose, by reason.', labels: ['stage', 'reason'] },
  recordsDeadLettered: { name: 'humpback_records_dead_lettered_total', help: 'Records sent to the dead-letter topic, by reason.', labels: ['stage', 'reason'] },
  stageRetries: { name: 'humpback_stage_retries_total', help: 'Retries of retriable per-record failures.', labels: ['stage'] },
  processingSeconds: { name: 'humpback_record_processing_seconds', help: 'Time from dispatch of a record to the broker acknowledging its outputs.', labels: ['stage'] },
  recordsInFlight: { name: 'humpback_records_in_flight', help: 'Records fetched and not yet finished.', labels: ['stage'] },
  consumerCrashes: { name: 'humpback_consumer_crashes_total', help: 'Consumer crashes the runner recovered from.', labels: ['stage'] },
  trainerSnapshots: { name: 'humpback_trainer_snapshots_total', help: 'Snapshot folders written by the trainer.', labels: [] },
  trainerExamples: { name: 'humpback_trainer_examples_total', help: 'Lines written to snapshots, by source (augmented, seed).', labels: ['source'] },
  trainerDuplicates: { name: 'humpback_trainer_duplicates_dropped_total', help: 'Curated records not written because an earlier snapshot (or the same one) holds them.', labels: [] },
  trainerHooks: { name: 'humpback_trainer_hooks_total', help: 'Snapshot hook runs, by outcome (ok, failed, timeout, interrupted).', labels: ['outcome'] },
} as const;

export interface MetricDef {
  name: string;
  help: string;
  labels: readonly string[];
}
