import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { Serde } from '../kafka/serde/avroSerde';
import type { RecordTypeMap, RecordTypeName } from '../records/types';
import type { Logger } from '../runtime/logger';

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

/** The outputs of one input record: none (filtered), one, or several (fan-out). */
export type Outputs<Out> = readonly StageOutput<Out>[];

/**
 * The stage contract: one input record in, all of its outputs out, at once or as a Promise.
 * The runtime maps the input stream through it like RxJS `mergeMap(project, concurrency)`, except
 * that records with the same key go one at a time, in order, and every call runs under the retry
 * policy (src/runtime/retryPolicy.ts). An input is committed once the broker acknowledged all of its
 * outputs (none, for a filtered one). Work spanning records (batching model calls, shared state)
 * lives in the factory's closure: `batched()` (src/runtime/batched.ts) groups calls with bufferTime.
 */
export type Projection<In, Out> = (input: In) => Outputs<Out> | Promise<Outputs<Out>>;

/**
 * What the engine derives from a stage type besides running it: the demo's phases, the Kubernetes
 * Deployments and KEDA objects, the compose services (src/deploy), the README's stage table.
 */
export interface StageMeta {
  /** Its step of the method (docs/method.md): crawl text to segments, instructions, scores and tiers; `test` proves the runtime. */
  category: 'prepare' | 'generate' | 'curate' | 'test';
  /** Calls an LLM: the demo runs it on the capped segments with its --model, compose starts it after the LLM server. */
  callsLlm: boolean;
  scaling: {
    /** What a replica spends its time on: `cpu` (a core each: add replicas, not concurrency) or `wait` (I/O, the model: little CPU). */
    bound: 'cpu' | 'wait';
    /** Replicas follow the consumer lag of its input (KEDA), about `maxInFlight` records of lag per replica. */
    autoscale: boolean;
  };
}

/** The record types a stage reads and writes (Avro full names). */
export interface StageRecordTypes<I extends RecordTypeName, O extends RecordTypeName> {
  input: I;
  output: O;
}

/**
 * A stage type: a zod schema of its options, its metadata, and a factory of its projection. The
 * factory does the expensive work once (clients, prompts, state), so a bad config fails at start-up.
 */
export interface StageDefinition<Shape extends z.ZodRawShape, I extends RecordTypeName, O extends RecordTypeName> {
  type: string;
  description: string;
  meta: StageMeta;
  /** Stage-specific options; the topology merges them into the stage's entry. */
  configSchema: z.ZodObject<Shape>;
  recordTypes(config: z.infer<z.ZodObject<Shape>>): StageRecordTypes<I, O>;
  /** Topics the stage may route to besides `output` (from its config). */
  extraOutputTopics?(config: z.infer<z.ZodObject<Shape>>): string[];
  create(config: z.infer<z.ZodObject<Shape>>, ctx: StageContext): Projection<RecordTypeMap[I], RecordTypeMap[O]> | Promise<Projection<RecordTypeMap[I], RecordTypeMap[O]>>;
}
