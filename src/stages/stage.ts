import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { Serde } from '../kafka/serde/avroSerde';
import type { RecordTypeMap, RecordTypeName } from '../records/types';
import type { Logger } from '../core/logger';
import type { Projection } from '../runtime/projection';

/** What a stage's factory gets besides its config: injected, never global (DESIGN: inject time, clients, metrics). */
export interface StageContext {
  /** Stage name from the topology, e.g. `segment`. */
  stage: string;
  logger: Logger;
  now: () => number;
  /** Count a record the stage dropped on purpose, by reason (metrics and offline summaries). */
  countFiltered: (reason: string) => void;
  /** The cluster, when the stage runs on Kafka (absent offline): for state kept in topics. */
  kafka?: { kafka: Kafka; serde: Serde };
  /** The stage's output topic when it runs on Kafka (absent offline): e.g. to load the keys it already produced. */
  output?: string;
  /**
   * Register work to do after every consumer-group rebalance (e.g. catch a state store up with
   * what the previous owner of a partition wrote). Offline, it is never called.
   */
  onRebalance: (listener: () => void) => void;
  /** The process's metrics registry: stages with metrics of their own (LLM calls, scores) register them here. */
  registry: Registry;
  /** Aborted when the stage stops (after in-flight records drained, or the drain timed out): close clients here. */
  signal: AbortSignal;
}

/**
 * What the engine derives from a stage type besides running it: the demo's phases (src/demo), the
 * Kubernetes Deployments, KEDA objects and compose services (src/deploy/stageManifests.ts).
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
    /** What a replica asks the scheduler for (default by `bound`: cpu 1 core, wait 250m; 512Mi); the memory limit is twice the request. */
    requests?: { cpu: string; memoryMi: number };
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
