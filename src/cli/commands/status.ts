import path from 'node:path';
import type { Command } from 'commander';
import { connectCommand } from '../connect';
import { stageStatus, statusTable } from '../../ops/stageStatus';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { listSnapshots, readManifest } from '../../trainer/manifest';
import { trainerSettings } from '../../trainer/settings';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

/** `humpback status`: every stage's consumer group, lag, rate, DLQ count and the last snapshot, from Kafka's admin API. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("One table of every stage's consumer group: lag, rate, members, dead letters; and the last snapshot. Reads Kafka's admin API, so no engine process needs to run")
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--sample-seconds <s>', 'measure the rate over this long (0 = no rate)', '2')
    .option('--json', 'print JSON instead of a table')
    .action(
      action(async (opts: { topology: string; sampleSeconds: string; json?: boolean }) => {
        const logger = createLogger({ component: 'status' });
        const seconds = Number(opts.sampleSeconds);
        if (!Number.isFinite(seconds) || seconds < 0) throw new ConfigError(`--sample-seconds ${opts.sampleSeconds} is not a number of seconds. Fix: e.g. --sample-seconds 2`);
        const declared = loadTopology(findTopologyFile(opts.topology));
        const topology = resolveTopology(declared);
        const trainer = trainerSettings(topology, declared.trainer);
        const { kafka } = await connectCommand(topology, logger);
        const admin = kafka.admin();
        await admin.connect();
        const rows = await stageStatus(admin, topology, { group: trainer.group, topics: trainer.topics }, seconds * 1000).finally(() => admin.disconnect());
        const newest = listSnapshots(trainer.outDir, logger).pop();
        const snapshot = newest && { dir: path.join(trainer.outDir, newest.id), ...readManifest(path.join(trainer.outDir, newest.id)) };
        if (opts.json) {
          process.stdout.write(JSON.stringify({ stages: rows, lastSnapshot: snapshot ? { dir: snapshot.dir, created_at: snapshot.created_at, iteration: snapshot.iteration, counts: snapshot.counts } : null }, null, 2) + '\n');
          return;
        }
        process.stdout.write(statusTable(rows));
        if (!snapshot) process.stdout.write(`last snapshot: none in ${trainer.outDir}\n`);
        else {
          const ageMin = (Date.now() - Date.parse(snapshot.created_at)) / 60_000;
          process.stdout.write(`last snapshot: ${snapshot.dir} (${ageMin.toFixed(1)} min ago, iteration ${snapshot.iteration}): ${snapshot.counts.examples} examples (augmented ${snapshot.counts.augmented}, seed ${snapshot.counts.seed})\n`);
        }
      }),
    );
}
