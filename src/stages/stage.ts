import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { OperatorFunction } from 'rxjs';
import type { Serde } from '../kafka/serde/avroSerde';
import type { z } from 'zod';
import type { Logger } from '../runtime/logger';
import type { RecordTypeName } from '../records/types';

/** What a stage's factory gets besides its config: injected, never global (DESIGN: inject time, clients, metrics). */
export interface StageContext {
  /** Stage name from the topology, e.g. `segment`. */
  stage: string;
  logger: Logger;
  now(): number;
  /** Count a record the stage dropped on purpose, by reason (metrics and offline summaries). */
  countFiltered(reason: string): void;
  /** The cluster, when the stage runs on Kafka (absent offline): for state kept in topics. */
  kafka?: { kafka: Kafka; serde: Serde };
  /** The stage's output topic when it runs on Kafka (absent offline): e.g. to load the keys it already produced. */
  output?: string;
  /**
   * Register work to do after every consumer-group rebalance (e.g. catch a state store up with
   * what the previous owner of a partition wrote). Offline, it is never called.
   */
  onRebalance(listener: () => void): void;
  /** The process's metrics registry: stages with metrics of their own (LLM calls, scores) register them here. */
  registry: Registry;
  /** Aborted when the stage stops (after in-flight records drained, or the drain timed out): close clients here. */
  signal: AbortSignal;
}

/** One record a stage emits: its value, its key and, when the stage routes, the topic it goes to. */
export interface StageOutput<Out> {
  key: string;
  value: Out;
  /** Explicit destination topic (e.g. a tier topic); default is the stage's `output` topic. */
  topic?: string;
}

/**
 * A stage: a zod config schema plus a factory of a pure RxJS operator.
 * The runtime applies the operator to ONE input record at a time (`of(record).pipe(op)`), so it can
 * track when each record is finished (0 outputs = filtered, N = fan-out) and commit offsets in order.
 * State shared across records (dedup sets, clients) therefore lives in the factory's closure.
 */
export interface StageDefinition<Shape extends z.ZodRawShape, In, Out> {
  type: string;
  description: string;
  /** Stage-specific options; the topology merges them into the stage's entry. */
  configSchema: z.ZodObject<Shape>;
  recordTypes(config: z.infer<z.ZodObject<Shape>>): { input: RecordTypeName; output: RecordTypeName };
  /** Topics the stage may route to besides `output` (from its config). */
  extraOutputTopics?(config: z.infer<z.ZodObject<Shape>>): string[];
  create(
    config: z.infer<z.ZodObject<Shape>>,
    ctx: StageContext,
  ): OperatorFunction<In, StageOutput<Out>> | Promise<OperatorFunction<In, StageOutput<Out>>>;
}
