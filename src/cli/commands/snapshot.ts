import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { connectCommand } from '../connect';
import { createSerde } from '../../kafka/serde/avroSerde';
import { ConfigError } from '../../core/errors';
import { createLogger, type Logger } from '../../core/logger';
import { loadTopology, resolveTopology, type ResolvedTopology } from '../../topology/loader';
import { iterationTopology } from '../../topology/rewrite';
import type { SnapshotFormat, TagPlacement } from '../../trainer/format';
import { partitionEnds } from '../../kafka/offsets';
import type { Manifest } from '../../trainer/manifest';
import { createTrainerMetrics } from '../../trainer/metrics';
import { metricsPort, startMetricsServer } from '../../metrics/server';
import { trainerSettings, type TrainerOverrides, type TrainerSettings } from '../../trainer/settings';
import { snapshotNow } from '../../trainer/snapshotNow';
import { TrainerConsumer } from '../../trainer/trainerConsumer';
import { action } from '../fail';
import { parseIteration } from '../iterationOption';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

interface SnapshotOptions {
  topology: string;
  iteration?: string;
  tier?: string;
  out?: string;
  format?: SnapshotFormat;
  sourceTag?: TagPlacement;
}

/** `humpback snapshot` (one snapshot now, then exit) and `humpback trainer` (snapshots by the topology's policy). */
export function registerSnapshotCommands(program: Command): void {
  program
    .command('snapshot')
    .description('Write one snapshot folder of every curated example not in a snapshot yet (JSONL shards + manifest.json), then exit')
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--iteration <n>', 'snapshot the curated topics of iteration N (written by `humpback replay --iteration N`)')
    .option('--tier <tiers>', 'snapshot these tiers, e.g. 5 or 5,4 (default: trainer.topics of the topology)')
    .option('--out <dir>', 'snapshot folder (default: trainer.outDir)')
    .addOption(new Option('--format <format>', 'line format (default: trainer.format)').choices(['chat', 'alpaca']))
    .addOption(new Option('--source-tag <turn>', 'put the source tag in the system turn or at the start of the user turn (default: trainer.sourceTag)').choices(['system', 'user']))
    .action(
      action(async (opts: SnapshotOptions) => {
        const logger = createLogger({ component: 'snapshot' });
        const { settings, resolved } = load(opts.topology, opts.iteration, { tiers: parseTiers(opts.tier), outDir: opts.out, format: opts.format, sourceTag: opts.sourceTag });
        const { kafka } = await connectCommand(resolved, logger);
        const result = await snapshotNow({ kafka, serde: await createSerde(), settings, logger });
        if (result.written === undefined) {
          const why = result.recordsRead > 0 ? `${result.recordsRead} record(s) read, all in earlier snapshots` : 'no records since the last snapshot';
          process.stdout.write(`nothing new to snapshot in ${settings.topics.join(', ')} (${why}); no folder written\n`);
          return;
        }
        process.stdout.write(describe(result.written.dir, result.written.manifest));
      }),
    );

  program
    .command('trainer')
    .description('Run the trainer consumer: snapshots by trainer.every until SIGTERM/SIGINT (never a partial snapshot)')
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--iteration <n>', 'snapshot the curated topics of iteration N (consumer group <name>.iterN.trainer)')
    .option('--metrics-port <n>', 'serve /metrics and /healthz on this port (default $HUMPBACK_METRICS_PORT or 9464; 0 = any free port)')
    .action(
      action(async (opts: { topology: string; iteration?: string; metricsPort?: string }) => {
        const logger = createLogger({ component: 'trainer' });
        const { settings, resolved } = load(opts.topology, opts.iteration, {});
        if (settings.every === undefined) {
          throw new ConfigError(`${opts.topology}: trainer.every is not set, so the trainer would never take a snapshot. Fix: add "every: { examples: 1000, minutes: 60 }" under trainer, or run \`humpback snapshot\``);
        }
        const { kafka } = await connectCommand(resolved, logger);
        await runTrainer(kafka, settings, logger, metricsPort(opts.metricsPort));
      }),
    );
}

async function runTrainer(kafka: Kafka, settings: TrainerSettings, logger: Logger, port: { port: number; isDefault: boolean }): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await partitionEnds(admin, settings.topics).finally(() => admin.disconnect());
  const registry = new Registry();
  const metrics = createTrainerMetrics(registry);
  metrics.policy(settings.every?.minutes);
  const trainer = new TrainerConsumer({ kafka, serde: await createSerde(), settings, logger, metrics });
  trainer.open(new Map([...ends].map(([key, e]) => [key, e.high])));
  await trainer.run({ policy: true });
  let running = true;
  const server = await startMetricsServer({ registry, port: port.port, portIsDefault: port.isDefault, health: () => ({ healthy: running, group: settings.group }), logger });
  logger.info('trainer started', { group: settings.group, topics: settings.topics, outDir: settings.outDir, every: settings.every });
  await new Promise<void>((resolve, reject) => {
    const shutdown = (signal: string): void => {
      logger.info('stopping: buffered records stay uncommitted and come again next start', { signal });
      void trainer.stop().then(resolve, reject);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    trainer.onCrash((err) => {
      running = false;
      void trainer.stop().then(() => reject(err), reject);
    });
  }).finally(() => server.close());
  logger.info('stopped cleanly');
}

function load(file: string, iteration: string | undefined, overrides: TrainerOverrides): { settings: TrainerSettings; resolved: ResolvedTopology } {
  const declared = loadTopology(findTopologyFile(file));
  const topology = iteration === undefined ? declared : iterationTopology(declared, parseIteration(iteration));
  const resolved = resolveTopology(topology);
  return { settings: trainerSettings(resolved, topology.trainer, overrides), resolved };
}

function parseTiers(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const tiers = value.split(',').map((t) => t.trim());
  if (tiers.some((t) => !/^[1-5]$/.test(t))) throw new ConfigError(`--tier ${value}: expected tiers 1-5, e.g. --tier 5 or --tier 5,4`);
  return tiers.map(Number);
}

/** What a person (or a script: the first line is the folder) needs to know about a new snapshot. */
export function describe(dir: string, m: Manifest): string {
  const tiers = Object.entries(m.counts.by_tier).map(([tier, n]) => `tier ${tier}: ${n}`).join(', ');
  return [
    dir,
    `  examples ${m.counts.examples} (augmented ${m.counts.augmented}, seed ${m.counts.seed}); ${tiers || 'no tiers'}`,
    `  records read ${m.counts.records}, duplicates dropped ${m.counts.duplicates_dropped}; iteration ${m.iteration}; format ${m.format}`,
    `  files ${m.files.map((f) => `${f.path} (${f.lines} lines)`).join(', ')}; manifest ${path.join(dir, 'manifest.json')}; dataset card ${path.join(dir, 'README.md')}`,
  ].join('\n') + '\n';
}
