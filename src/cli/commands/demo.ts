import path from 'node:path';
import type { Command } from 'commander';
import { demoSummary } from '../../demo/demoSummary';
import { runDemo } from '../../demo/runDemo';
import { connectCommand } from '../connect';
import { metricsPort } from '../../metrics/server';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { projectRoot } from '../../util/paths';
import { action } from '../fail';
import { DEFAULT_MODEL } from '../../llm/models';
import { modelChoice } from './model';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

interface DemoFlags {
  topology: string;
  maxSegments: string;
  out: string;
  metricsPort?: string;
  model?: string;
}

/** `humpback demo`: the main job end to end on the bundled samples (README's first command). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole pipeline once on a fresh namespace of the local broker: ingest the sample corpus (or PATHS), segment, dedup, ' +
        'backtranslate, score, tier-filter until drained, then write a snapshot and print a summary. ' +
        'Uses the embedded model unless HUMPBACK_LLM_BASE_URL names a server.',
    )
    .argument('[paths...]', 'crawl files or folders to ingest', [path.join(projectRoot(), 'samples', 'corpus')])
    .option('--max-segments <n>', 'segments sent to the LLM stages (0 = all); the cap keeps the CPU demo to minutes', '100')
    .option('--topology <file>', 'topology to run (namespaced per run)', DEFAULT_TOPOLOGY)
    .option('--metrics-port <n>', 'serve /metrics and /healthz on this port (default $HUMPBACK_METRICS_PORT or 9464; 0 = any free port)')
    .option('--out <dir>', 'folder for the run: topology.yaml and snapshots/', 'demo-output')
    .option('--model <name|gguf>', `the embedded model: a catalogue name (humpback model list) or a .gguf file (default: the topology's, ${DEFAULT_MODEL.name})`)
    .action(
      action(async (paths: string[], flags: DemoFlags) => {
        const maxSegments = Number(flags.maxSegments);
        if (!Number.isInteger(maxSegments) || maxSegments < 0) throw new ConfigError(`--max-segments ${flags.maxSegments}: expected a whole number (0 = all). Fix: e.g. --max-segments 100`);
        const [modelPath, choice] = modelChoice(flags.model);
        const model = flags.model ? { path: modelPath && path.resolve(modelPath), name: choice.spec?.name } : undefined;
        const report = await runDemo({ topologyFile: findTopologyFile(flags.topology), inputs: paths, outDir: flags.out, maxSegments, model, logger: createLogger({ component: 'demo' }), metrics: metricsPort(flags.metricsPort), connect: connectCommand });
        if (report) process.stdout.write(await demoSummary(report));
      }),
    );
}
