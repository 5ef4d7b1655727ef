import type { CompressionTypes, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { errorMessage } from '../core/errors';
import { BROKER_CALL_POLICY, retrying } from '../core/retryPolicy';
import { applyTopics } from '../kafka/admin';
import type { Serde } from '../kafka/serde/avroSerde';
import { waitUntilDrained, type DrainProgress } from './drain';
import type { KafkaStageRunner } from '../runtime/kafkaStageRunner';
import type { Logger } from '../core/logger';
import { stageHealth } from '../metrics/health';
import { LagPoller } from '../metrics/lagPoller';
import { startMetricsServer, type HealthReport } from '../metrics/server';
import { startKafkaStage } from '../topology/builder';
import type { ResolvedStage, ResolvedTopology } from '../topology/loader';

export interface SessionDeps {
  kafka: Kafka;
  serde: Serde;
  logger: Logger;
  registry: Registry;
  compression?: CompressionTypes;
}

export interface RunOptions {
  /** Stop once every stage has committed all of its input (batch mode); otherwise run until a signal. */
  untilDrained: boolean;
  onProgress?: (progress: DrainProgress[]) => void;
  /** Serve /metrics and /healthz while the stages run. */
  metrics?: { port: number; isDefault: boolean };
}

/** Creates the topology's missing topics (idempotent). */
export async function ensureTopics(kafka: Kafka, topology: ResolvedTopology): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await applyTopics(admin, topology.topics).finally(() => admin.disconnect());
}

/**
 * Runs stages in this process: until SIGTERM/SIGINT (drain in-flight records, commit, leave the
 * group), or in batch mode until they have drained their inputs. One stage that cannot go on (a
 * configuration failure) stops them all and rejects, so an orchestrator restarts or a human looks.
 * Returns 'stopped' after a signal, 'drained' otherwise.
 */
export async function runStages(stages: readonly ResolvedStage[], deps: SessionDeps, opts: RunOptions): Promise<'drained' | 'stopped'> {
  const { logger } = deps;
  const runners: KafkaStageRunner[] = [];
  const stopAll = (): Promise<void> => Promise.all(runners.map((r) => r.stop())).then(() => undefined);
  let stopServing = async (): Promise<void> => undefined;
  const signals = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info('stopping: draining in-flight records', { signal });
    signals.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    for (const stage of stages) {
      const runner = await startStage(stage, deps, signals.signal);
      if (runner === undefined) break; // a signal came while starting
      runners.push(runner);
      logger.info('stage started', { stage: stage.name, input: stage.input, output: stage.output, group: stage.groupId });
    }
    if (opts.metrics && !signals.signal.aborted) stopServing = await serveMetrics(runners, deps, opts.metrics);
    const fatal = new Promise<never>((_, reject) => runners.forEach((r) => r.onFatal(reject)));
    const stopped = signals.signal.aborted ? Promise.resolve() : new Promise<void>((resolve) => signals.signal.addEventListener('abort', () => resolve(), { once: true }));
    if (opts.untilDrained) {
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        await Promise.race([waitUntilDrained(admin, stages, { signal: signals.signal, onProgress: opts.onProgress }), fatal, stopped]);
      } finally {
        await admin.disconnect();
      }
    } else {
      await Promise.race([fatal, stopped]);
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await stopAll();
    await stopServing();
  }
  if (!signals.signal.aborted) return 'drained';
  // Interrupted batch work is not a success; a stopped long-lived run is.
  if (opts.untilDrained) process.exitCode = 130;
  return 'stopped';
}

/**
 * Starts one stage, waiting out a broker that goes away while it connects and joins (a restart, a
 * leader election) under BROKER_CALL_POLICY instead of exiting; then the broker's error. Undefined
 * when a signal stops the waiting.
 */
async function startStage(stage: ResolvedStage, deps: SessionDeps, signal: AbortSignal): Promise<KafkaStageRunner | undefined> {
  const onRetry = ({ delayMs, error }: { delayMs: number; error: unknown }): void =>
    deps.logger.warn('broker unavailable while starting the stage; retrying', { stage: stage.name, inMs: delayMs, error: errorMessage(error) });
  try {
    return await retrying(() => startKafkaStage(stage, deps), BROKER_CALL_POLICY, { signal, onRetry });
  } catch (err) {
    if (signal.aborted) return undefined;
    throw err;
  }
}

/** /metrics and /healthz for these runners, with their consumer lag polled from the admin API. */
async function serveMetrics(runners: readonly KafkaStageRunner[], deps: SessionDeps, port: { port: number; isDefault: boolean }): Promise<() => Promise<void>> {
  const poller = new LagPoller(deps.kafka, runners.map((r) => r.status), deps.registry, deps.logger).start();
  const health = (): HealthReport => {
    const stages = runners.map((r) => stageHealth(r.status, poller.of(r.status.stage), Date.now()));
    return { healthy: stages.every((s) => s.healthy), stages };
  };
  const server = await startMetricsServer({ registry: deps.registry, port: port.port, portIsDefault: port.isDefault, health, logger: deps.logger });
  return async () => {
    poller.stop();
    await server.close();
  };
}
