import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { applyTopics } from '../../kafka/admin';
import { createKafka, resolveBrokers } from '../../kafka/brokers';
import { createSerde } from '../../kafka/serde/avroSerde';
import { ConfigError } from '../../runtime/errors';
import { createLogger } from '../../runtime/logger';
import type { KafkaStageRunner } from '../../runtime/kafkaStageRunner';
import { startKafkaStage } from '../../topology/builder';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

interface RunOptions {
  topology: string;
  stages?: string;
  applyTopics: boolean;
}

/** `humpback run`: long-lived stages bound to Kafka, until SIGTERM/SIGINT (then drain, commit, exit 0). */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run topology stages against Kafka until stopped (SIGTERM/SIGINT drain in-flight work and commit)')
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--stages <names>', 'comma-separated stage names to run in this process (default: all)')
    .option('--no-apply-topics', 'do not create missing topics at start-up')
    .action(
      action(async (opts: RunOptions) => {
        const logger = createLogger({ component: 'run' });
        const topology = resolveTopology(loadTopology(findTopologyFile(opts.topology)));
        const wanted = opts.stages?.split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = (wanted ?? []).filter((n) => !topology.stages.some((s) => s.name === n));
        if (unknown.length > 0) {
          throw new ConfigError(`unknown stage(s) ${unknown.join(', ')}. Fix: pick from ${topology.stages.map((s) => s.name).join(', ') || '(none declared)'}`);
        }
        const stages = topology.stages.filter((s) => !wanted || wanted.includes(s.name));
        if (stages.length === 0) throw new ConfigError(`${opts.topology} declares no stages. Fix: add stages to the topology`);

        const kafka = createKafka(await resolveBrokers(logger), topology.clientId, logger);
        if (opts.applyTopics) {
          const admin = kafka.admin();
          await admin.connect();
          await applyTopics(admin, topology.topics).finally(() => admin.disconnect());
        }
        const serde = await createSerde();
        const registry = new Registry();
        const runners: KafkaStageRunner[] = [];
        for (const stage of stages) {
          runners.push(await startKafkaStage(stage, { kafka, serde, logger, registry }));
          logger.info('stage started', { stage: stage.name, input: stage.input, output: stage.output, group: stage.groupId });
        }

        await new Promise<void>((resolve, reject) => {
          const shutdown = (signal: string): void => {
            logger.info('stopping: draining in-flight records', { signal });
            void Promise.all(runners.map((r) => r.stop())).then(() => resolve());
          };
          process.once('SIGTERM', () => shutdown('SIGTERM'));
          process.once('SIGINT', () => shutdown('SIGINT'));
          // One stage that cannot go on stops the process: an orchestrator restarts it or a human looks.
          runners.forEach((r) => r.onFatal((err) => void Promise.all(runners.map((x) => x.stop())).then(() => reject(err))));
        });
        logger.info('stopped cleanly');
      }),
    );
}
