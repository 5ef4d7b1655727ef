import type { CompressionTypes, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import type { Serde } from '../kafka/serde/avroSerde';
import { createStageMetrics } from '../metrics/stageMetrics';
import type { RecordTypeMap, RecordTypeName } from '../records/types';
import { ConfigError, errorMessage } from '../core/errors';
import { KafkaStageRunner } from '../runtime/kafkaStageRunner';
import type { Logger } from '../core/logger';
import { retryPolicy, type RetryPolicy } from '../core/retryPolicy';
import { stageWork } from '../runtime/stageWork';
import { STAGES, findStage, type RegisteredStage } from '../stages/registry';
import type { StageContext, StageDefinition, StageRecordTypes } from '../stages/stage';
import type { Projection } from '../runtime/projection';
import { writesTo, type ResolvedStage } from './loader';

export interface StageDeps {
  kafka: Kafka;
  serde: Serde;
  logger: Logger;
  registry: Registry;
  /** Producer compression (the client setting compression.type); default none. */
  compression?: CompressionTypes;
  now?: () => number;
  /** Read the input topic from the beginning when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /** The stage types to build from (default: the engine's registry). */
  stages?: readonly RegisteredStage[];
  /** The retry policy's waits (default: DEFAULT_RETRY_POLICY; `retries` always comes from the stage). */
  retry?: RetryPolicy;
}

/** A built stage: its projection with the record types it reads and writes, the types kept together. */
export interface BuiltStage<I extends RecordTypeName, O extends RecordTypeName> {
  types: StageRecordTypes<I, O>;
  project: Projection<RecordTypeMap[I], RecordTypeMap[O]>;
}

/**
 * Builds a stage's projection: the expensive part (clients, prompts, dedup state) happens here, once,
 * so a bad config fails at start-up and never on the first record.
 */
export async function buildStage<S extends z.ZodRawShape, I extends RecordTypeName, O extends RecordTypeName>(
  def: StageDefinition<S, I, O>,
  stage: ResolvedStage,
  ctx: StageContext,
): Promise<BuiltStage<I, O>> {
  const config = def.configSchema.parse(stage.config);
  return { types: def.recordTypes(config), project: await def.create(config, ctx) };
}

/** The registered stage type of a resolved stage, or a ConfigError naming the fix. */
export function stageTypeOf(stage: ResolvedStage, stages: readonly RegisteredStage[] = STAGES): RegisteredStage {
  const def = findStage(stage.type, stages);
  if (!def) throw new ConfigError(`stage ${stage.name}: unknown stage type ${stage.type}. Fix: use one of ${stages.map((s) => s.type).join(', ')}`);
  return def;
}

export interface ContextParts {
  logger: Logger;
  now?: () => number;
  countFiltered: (reason: string) => void;
  kafka?: { kafka: Kafka; serde: Serde };
  /** The stage's output topic (Kafka mode). */
  output?: string;
  /** Aborted when the stage stops. */
  signal?: AbortSignal;
  /** Default: a registry of its own (offline, nobody scrapes it). */
  registry?: Registry;
}

/** The stage context plus the means to fire its rebalance listeners (the runner calls it on every group join). */
export function stageContext(stageName: string, parts: ContextParts): { ctx: StageContext; rebalanced: () => void } {
  const listeners: Array<() => void> = [];
  const ctx: StageContext = {
    stage: stageName,
    logger: parts.logger.child({ stage: stageName }),
    now: parts.now ?? Date.now,
    countFiltered: parts.countFiltered,
    kafka: parts.kafka,
    output: parts.output,
    onRebalance: (listener) => listeners.push(listener),
    signal: parts.signal ?? new AbortController().signal,
    registry: parts.registry ?? new Registry(),
  };
  return { ctx, rebalanced: () => listeners.forEach((l) => l()) };
}

/** Binds a resolved stage to Kafka and starts it; `stop()` on the result drains and commits. */
export async function startKafkaStage(stage: ResolvedStage, deps: StageDeps): Promise<KafkaStageRunner> {
  const metrics = createStageMetrics(deps.registry, stage.name);
  metrics.init(stage.input, writesTo(stage));
  // One abort signal for the runner and the stage: stopping cuts retry waits short and lets the stage close its clients.
  const abort = new AbortController();
  const { ctx, rebalanced } = stageContext(stage.name, {
    logger: deps.logger,
    now: deps.now,
    countFiltered: (reason) => metrics.filtered(reason),
    kafka: { kafka: deps.kafka, serde: deps.serde },
    output: stage.output,
    signal: abort.signal,
    registry: deps.registry,
  });
  const now = deps.now ?? Date.now;
  const policy = retryPolicy(stage.retries, deps.retry);
  const onRetry = (f: { attempt: number; delayMs: number; error: unknown; infrastructure: boolean }): void => {
    if (f.infrastructure) ctx.logger.warn('broker or schema registry unavailable; retrying', { inMs: f.delayMs, error: errorMessage(f.error) });
  };
  const built = stageTypeOf(stage, deps.stages).use(async (def) => {
    const { types, project } = await buildStage(def, stage, ctx);
    return stageWork({
      stage: stage.name,
      outputTopic: stage.output,
      dlqTopic: stage.dlq,
      decode: (value) => deps.serde.decode(types.input, value),
      project,
      encode: (value, topic) => deps.serde.encode(types.output, value, topic),
      serde: deps.serde,
      policy,
      metrics,
      now,
      hooks: { onRetry, signal: abort.signal },
    });
  });
  const work = await built.catch((err: unknown) => {
    abort.abort(); // the stage closes what it opened before failing (a key set's consumer)
    throw err;
  });
  const runner = new KafkaStageRunner({
    stage: stage.name,
    groupId: stage.groupId,
    inputTopic: stage.input,
    kafka: deps.kafka,
    work,
    concurrency: stage.concurrency,
    maxInFlight: stage.maxInFlight,
    compression: deps.compression,
    sessionTimeoutMs: stage.sessionTimeoutMs,
    fromBeginning: deps.fromBeginning ?? true,
    logger: ctx.logger,
    metrics,
    now,
    abort,
    onRebalance: rebalanced,
  });
  await runner.start();
  return runner;
}
