import type { Counter, Registry } from 'prom-client';
import { counterIn, gaugeIn, histogramIn } from './define';
import { METRIC } from './names';

/** What the stage runtime reports; one object per stage, labels bound once. */
export interface StageMetrics {
  /** Series at 0 from the start, so rate() and increase() count the first records and alerts see an idle stage. */
  init(input: string, outputs: readonly string[]): void;
  consumed(topic: string, count: number): void;
  produced(topic: string, count: number): void;
  /** Records sent again after a produce call resolved without writing their partition. */
  resent(topic: string, count: number): void;
  filtered(reason: string): void;
  deadLettered(reason: string): void;
  retried(): void;
  /** A record's outputs were acknowledged: processing time, progress time and, when known, time since ingest. */
  finished(startedMs: number, nowMs: number, ingestedAtMs?: number): void;
  setInFlight(count: number): void;
  consumerCrashed(): void;
}

/**
 * Label values are bound once per stage (and topic, reason): the runner reports every record, and
 * prom-client would otherwise hash the label set on each call.
 */
export function createStageMetrics(registry: Registry, stage: string): StageMetrics {
  const m = {
    consumed: counterIn(registry, METRIC.recordsConsumed),
    produced: counterIn(registry, METRIC.recordsProduced),
    resent: counterIn(registry, METRIC.recordsResent),
    filtered: counterIn(registry, METRIC.recordsFiltered),
    deadLettered: counterIn(registry, METRIC.recordsDeadLettered),
    retries: counterIn(registry, METRIC.stageRetries),
    crashes: counterIn(registry, METRIC.consumerCrashes),
    processing: histogramIn(registry, METRIC.processingSeconds),
    endToEnd: histogramIn(registry, METRIC.endToEndSeconds),
    inFlight: gaugeIn(registry, METRIC.recordsInFlight),
    lastProgress: gaugeIn(registry, METRIC.lastProgress),
  };
  const perTopic = new Map<string, { consumed: Counter.Internal; produced: Counter.Internal }>();
  const ofTopic = (topic: string): { consumed: Counter.Internal; produced: Counter.Internal } => {
    let c = perTopic.get(topic);
    if (c === undefined) perTopic.set(topic, (c = { consumed: m.consumed.labels({ stage, topic }), produced: m.produced.labels({ stage, topic }) }));
    return c;
  };
  const processing = m.processing.labels({ stage });
  const endToEnd = m.endToEnd.labels({ stage });
  const lastProgress = m.lastProgress.labels({ stage });
  return {
    init: (input, outputs) => {
      m.consumed.inc({ stage, topic: input }, 0);
      for (const topic of outputs) {
        m.produced.inc({ stage, topic }, 0);
        m.resent.inc({ stage, topic }, 0);
      }
      m.inFlight.set({ stage }, 0);
    },
    consumed: (topic, count) => ofTopic(topic).consumed.inc(count),
    produced: (topic, count) => ofTopic(topic).produced.inc(count),
    resent: (topic, count) => m.resent.inc({ stage, topic }, count),
    filtered: (reason) => m.filtered.inc({ stage, reason }),
    deadLettered: (reason) => m.deadLettered.inc({ stage, reason }),
    retried: () => m.retries.inc({ stage }),
    finished: (startedMs, nowMs, ingestedAtMs) => {
      processing.observe((nowMs - startedMs) / 1000);
      lastProgress.set(nowMs / 1000);
      if (ingestedAtMs !== undefined) endToEnd.observe(Math.max(0, nowMs - ingestedAtMs) / 1000);
    },
    setInFlight: (n) => m.inFlight.set({ stage }, n),
    consumerCrashed: () => m.crashes.inc({ stage }),
  };
}
