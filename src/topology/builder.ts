import type { CompressionTypes, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import type { OperatorFunction } from 'rxjs';
import type { Serde } from '../kafka/serde/avroSerde';
import { createStageMetrics } from '../metrics/stageMetrics';
import { ConfigError } from '../runtime/errors';
import { KafkaStageRunner } from '../runtime/kafkaStageRunner';
import type { Logger } from '../runtime/logger';
import { createRecordHandler } from '../runtime/recordHandler';
import { Semaphore } from '../runtime/semaphore';
import { findStage } from '../stages/registry';
import type { StageContext, StageOutput } from '../stages/stage';
import type { ResolvedStage } from './loader';

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
}

/**
 * Builds the stage's operator: the expensive part (clients, prompts, dedup state) happens here,
 * once, so a bad config fails at start-up and never on the first record.
 */
export async function buildOperator(
  stage: ResolvedStage,
  ctx: StageContext,
): Promise<OperatorFunction<unknown, StageOutput<unknown>>> {
  const def = findStage(stage.type);
  if (!def) throw new ConfigError(`stage ${stage.name}: unknown stage type ${stage.type}`);
  const config = def.configSchema.parse(stage.config);
  return (await def.create(config, ctx)) as OperatorFunction<unknown, StageOutput<unknown>>;
}

export interface ContextParts {
  logger: Logger;
  now?: () => number;
  countFiltered: (reason: string) => void;
  kafka?: { kafka: Kafka; serde: Serde };
  /** The stage's output topic (Kafka mode). */
  output?: string;
  /** Aborted when the stage stops; offline, never. */
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
  metrics.init(stage.input, [...new Set([stage.output, ...stage.extraOutputs])]);
  // One abort signal for the runner, the record handler and the stage: stopping also cuts retry
  // backoffs short and lets the stage close its clients.
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
  const operator = await buildOperator(stage, ctx);
  const now = deps.now ?? Date.now;
  const handler = createRecordHandler({
    stage: stage.name,
    inputType: stage.recordTypes.input,
    outputType: stage.recordTypes.output,
    outputTopic: stage.output,
    dlqTopic: stage.dlq,
    operator,
    serde: deps.serde,
    workers: new Semaphore(stage.concurrency),
    retries: stage.retries,
    metrics,
    now,
    signal: abort.signal,
  });
  const runner = new KafkaStageRunner({
    stage: stage.name,
    groupId: stage.groupId,
    inputTopic: stage.input,
    kafka: deps.kafka,
    handle: handler.handle,
    deadLetter: handler.deadLetter,
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
