import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { connectCommand } from '../connect';
import { createSerde } from '../../kafka/serde/avroSerde';
import { metricsPort } from '../../metrics/server';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { loadTopology, resolveTopology, type ResolvedTopology } from '../../topology/loader';
import { action } from '../fail';
import { drainProgressLine } from '../../session/drainProgress';
import { ensureTopics, runStages } from '../../session/stageSession';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

interface RunOptions {
  topology: string;
  stages?: string;
  applyTopics: boolean;
  untilDrained?: boolean;
  metricsPort?: string;
}

/** `humpback run`: topology stages bound to Kafka, long-lived (until SIGTERM/SIGINT) or until drained. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run topology stages against Kafka until stopped (SIGTERM/SIGINT drain in-flight work and commit)')
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--stages <names>', 'comma-separated stage names to run in this process (default: all)')
    .option('--no-apply-topics', 'do not create missing topics at start-up')
    .option('--metrics-port <n>', 'serve /metrics and /healthz on this port (default $HUMPBACK_METRICS_PORT or 9464; 0 = any free port)')
    .option('--until-drained', 'batch mode: exit 0 once every stage has committed all of its input (upstream stages first)')
    .action(
      action(async (opts: RunOptions) => {
        const logger = createLogger({ component: 'run' });
        const topology = resolveTopology(loadTopology(findTopologyFile(opts.topology)));
        const stages = pickStages(topology, opts.stages);
        const { kafka, compression } = await connectCommand(topology, logger);
        if (opts.applyTopics) await ensureTopics(kafka, topology);
        const deps = { kafka, compression, serde: await createSerde(), logger, registry: new Registry() };
        await runStages(stages, deps, { untilDrained: opts.untilDrained === true, onProgress: drainProgressLine(process.stderr), metrics: metricsPort(opts.metricsPort) });
        logger.info(opts.untilDrained ? 'drained and stopped' : 'stopped cleanly');
      }),
    );
}

function pickStages(topology: ResolvedTopology, list: string | undefined): ResolvedTopology['stages'] {
  const wanted = list?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = (wanted ?? []).filter((n) => !topology.stages.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new ConfigError(`unknown stage(s) ${unknown.join(', ')}. Fix: pick from ${topology.stages.map((s) => s.name).join(', ') || '(none declared)'}`);
  }
  const stages = topology.stages.filter((s) => !wanted || wanted.includes(s.name));
  if (stages.length === 0) throw new ConfigError(`topology ${topology.name} declares no stages. Fix: add stages to the topology`);
  return stages;
}
