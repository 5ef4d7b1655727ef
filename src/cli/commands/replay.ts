import fs from 'node:fs';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { connectCommand } from '../connect';
import { createSerde } from '../../kafka/serde/avroSerde';
import { endpointSchema, llmConfigSchema } from '../../llm/llmConfig';
import { METRIC } from '../../metrics/names';
import { metricSum } from '../../metrics/read';
import { metricsPort } from '../../metrics/server';
import { ConfigError } from '../../core/errors';
import { createLogger, type Logger } from '../../core/logger';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { iterationTopology } from '../../topology/rewrite';
import type { StageEntry, Topology } from '../../topology/schema';
import { drainProgressLine } from '../../session/drainProgress';
import { action } from '../fail';
import { parseIteration } from '../iterationOption';
import { ensureTopics, runStages } from '../../session/stageSession';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

interface ReplayOptions {
  topology: string;
  iteration: string;
  scorer: string;
  scorerModel?: string;
  follow?: boolean;
  metricsPort?: string;
}

/**
 * `humpback replay --iteration N --scorer S`: the next iteration of docs/method.md. The candidates topic
 * is re-scored from its beginning by the new scorer in new consumer groups (`<name>.iterN.<stage>`);
 * scores and curated tiers go to topics named by iteration. Instructions are never regenerated:
 * no backtranslate stage runs.
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Re-score the candidates topic with a new scorer as iteration N (topics scored.iterN, curated.tier5.iterN, ...); instructions are not regenerated')
    .requiredOption('--iteration <n>', 'iteration number, 2 or more (1 is the main pipeline)')
    .requiredOption('--scorer <model|url|gguf>', 'the new scorer: an OpenAI-compatible base URL (with --scorer-model), a local .gguf file, or a model name served by the configured endpoints')
    .option('--scorer-model <name>', 'model name at the --scorer URL (default: $HUMPBACK_LLM_MODEL)')
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--metrics-port <n>', 'serve /metrics and /healthz on this port (default $HUMPBACK_METRICS_PORT or 9464; 0 = any free port)')
    .option('--follow', 'keep scoring new candidates until SIGTERM/SIGINT instead of exiting once drained')
    .action(
      action(async (opts: ReplayOptions) => {
        const logger = createLogger({ component: 'replay' });
        const iteration = parseIteration(opts.iteration);
        const base = iterationTopology(loadTopology(findTopologyFile(opts.topology)), iteration);
        const topology = resolveTopology(withScorer(base, opts.scorer, opts.scorerModel, logger));
        const { kafka, compression } = await connectCommand(topology, logger);
        await ensureTopics(kafka, topology);
        const registry = new Registry();
        await runStages(topology.stages, { kafka, compression, serde: await createSerde(), logger, registry }, { untilDrained: !opts.follow, onProgress: drainProgressLine(process.stderr), metrics: metricsPort(opts.metricsPort) });
        process.stdout.write(await summary(topology, registry, iteration));
      }),
    );
}

/**
 * The score stages of `t` with the new scorer. --scorer decides for this process, so the
 * HUMPBACK_LLM_* variables (which would otherwise override the topology) are set or cleared to match.
 */
export function withScorer(t: Topology, scorer: string, scorerModel: string | undefined, logger: Logger, env: NodeJS.ProcessEnv = process.env): Topology {
  const stages = t.stages.map((s): StageEntry => {
    if (s.type !== 'score') return s;
    const llm = llmConfigSchema.parse(s.llm ?? {});
    if (/^https?:\/\//.test(scorer)) {
      const model = scorerModel ?? env.HUMPBACK_LLM_MODEL;
      if (!model) throw new ConfigError(`--scorer ${scorer} is a server URL but no model is named. Fix: add --scorer-model <name> (GET ${scorer.replace(/\/$/, '')}/models lists them)`);
      const endpoint = endpointSchema.safeParse({ baseUrl: scorer, model, apiKeyEnv: llm.endpoints?.[0]?.apiKeyEnv, maxConcurrency: llm.endpoints?.[0]?.maxConcurrency });
      if (!endpoint.success) throw new ConfigError(`--scorer ${scorer} is not a usable http(s) base URL. Fix: e.g. --scorer http://127.0.0.1:8000/v1`);
      return { ...s, llm: { ...llm, endpoints: [endpoint.data] } };
    }
    if (/\.gguf$/i.test(scorer) || fs.existsSync(scorer)) {
      if (!fs.existsSync(scorer)) throw new ConfigError(`--scorer ${scorer}: no such file. Fix: give the path of a local .gguf model`);
      return { ...s, llm: { ...llm, endpoints: undefined, embedded: { ...llm.embedded, modelPath: scorer } } };
    }
    const urls = env.HUMPBACK_LLM_BASE_URL?.trim() || llm.endpoints;
    if (!urls) throw new ConfigError(`--scorer ${scorer} names a model, but the score stage has no server to ask for it. Fix: --scorer http://host:port/v1 --scorer-model ${scorer}, or a .gguf path`);
    return { ...s, llm: { ...llm, endpoints: llm.endpoints?.map((e) => ({ ...e, model: scorer })) } };
  });
  if (/^https?:\/\//.test(scorer) || /\.gguf$/i.test(scorer) || fs.existsSync(scorer)) {
    if (env.HUMPBACK_LLM_BASE_URL || env.HUMPBACK_LLM_MODEL) logger.info('--scorer overrides HUMPBACK_LLM_BASE_URL / HUMPBACK_LLM_MODEL for this replay');
    delete env.HUMPBACK_LLM_BASE_URL;
    delete env.HUMPBACK_LLM_MODEL;
  } else {
    env.HUMPBACK_LLM_MODEL = scorer;
  }
  return { ...t, stages };
}

async function summary(topology: ReturnType<typeof resolveTopology>, registry: Registry, iteration: number): Promise<string> {
  const lines = [`iteration ${iteration} (consumer groups ${topology.name}.*):`];
  for (const s of topology.stages) {
    const read = await metricSum(registry, METRIC.recordsConsumed.name, { stage: s.name });
    const dead = await metricSum(registry, METRIC.recordsDeadLettered.name, { stage: s.name });
    const outs = await Promise.all([s.output, ...s.extraOutputs.filter((o) => o !== s.output)].map(async (topic) => `${topic} ${await metricSum(registry, METRIC.recordsProduced.name, { stage: s.name, topic })}`));
    lines.push(`  ${s.name}: read ${read} from ${s.input}; wrote ${outs.join(', ')}; dead-lettered ${dead} to ${s.dlq}`);
  }
  lines.push(`next: humpback snapshot --iteration ${iteration}`);
  return lines.join('\n') + '\n';
}
