import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { evalMarkdown } from '../../eval/evalTable';
import { runEval, type EvalReport } from '../../eval/runEval';
import { MODELS } from '../../llm/models';
import { SCORE_MODES, type ScoreMode } from '../../llm/scoring/modes';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { loadTopology } from '../../topology/loader';
import { cacheDir, projectRoot } from '../../util/paths';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

interface EvalCommandOptions {
  model?: string;
  modes?: string;
  pairs?: string;
  labelled: string | false;
  limit?: string;
  backward: boolean;
  json?: string;
  topology: string;
}

export const DEFAULT_LABELLED = 'samples/eval/scorer-dev.jsonl';

/**
 * `humpback eval`: measures the backward model and the scorer the way the pipeline runs them, on the
 * embedded model (default, `--model`) or a server (HUMPBACK_LLM_BASE_URL). Prints Markdown tables on
 * stdout, progress on stderr, and writes everything (per-set figures, examples) as JSON.
 */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('Measure data quality: instruction recovery of the backward model, and per scoring mode the scorer\'s AUC on shuffled pairs and tier-5 precision/recall on a labelled file')
    .option('--model <names>', `embedded model(s), comma-separated: catalogue names (${MODELS.map((m) => m.name).join(', ')}), "all", or .gguf paths (default: the topology's model)`)
    .option('--modes <modes>', `scoring modes, comma-separated (${SCORE_MODES.join(', ')}; default: all)`)
    .option('--pairs <file>', 'JSONL of {"instruction","output"} for instruction recovery and the shuffled test (default: every 5th pair of the seed file, held out of the few-shot pool)')
    .option('--labelled <file>', 'JSONL of {"instruction","output","score"} with gold scores 1-5', DEFAULT_LABELLED)
    .option('--no-labelled', 'skip the labelled file')
    .option('--no-backward', 'skip instruction recovery (scorer only)')
    .option('--limit <n>', 'use only the first N pairs of each set (a quick look)')
    .option('--json <file>', 'where to write the results as JSON (default: $HUMPBACK_HOME/eval/eval-<time>.json)')
    .option('--topology <file>', 'topology whose backtranslate and score settings are measured', DEFAULT_TOPOLOGY)
    .action(
      action(async (opts: EvalCommandOptions) => {
        const logger = createLogger({ component: 'eval' });
        const topology = loadTopology(findTopologyFile(opts.topology));
        const modes = parseModes(opts.modes);
        const limit = opts.limit === undefined ? undefined : Number(opts.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new ConfigError(`--limit ${opts.limit}: give a positive whole number`);
        const labelledFile = opts.labelled === false ? undefined : resolveInProject(opts.labelled);
        const progress = (line: string): void => void process.stderr.write(`humpback eval: ${line}\n`);
        const reports: EvalReport[] = [];
        for (const model of parseModels(opts.model)) {
          reports.push(await runEval({ topology, model, modes, pairsFile: opts.pairs, labelledFile, limit, backward: opts.backward, logger, progress }));
        }
        const out = opts.json ?? path.join(cacheDir(), 'eval', `eval-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
        fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
        fs.writeFileSync(out, `${JSON.stringify(reports, null, 2)}\n`);
        process.stdout.write(evalMarkdown(reports));
        progress(`results written to ${out}`);
      }),
    );
}

function parseModes(arg: string | undefined): ScoreMode[] {
  if (!arg) return [...SCORE_MODES];
  const modes = arg.split(',').map((m) => m.trim());
  const bad = modes.filter((m) => !(SCORE_MODES as readonly string[]).includes(m));
  if (bad.length > 0) throw new ConfigError(`--modes: unknown mode ${bad.map((b) => `"${b}"`).join(', ')}: use ${SCORE_MODES.join(', ')}`);
  return modes as ScoreMode[];
}

/** `--model`: undefined = the topology's; otherwise catalogue names, "all", or .gguf paths. */
function parseModels(arg: string | undefined): Array<{ name?: string; path?: string } | undefined> {
  if (!arg) return [undefined];
  const names = arg.split(',').map((m) => m.trim()).filter(Boolean);
  return names.flatMap((n): Array<{ name?: string; path?: string }> => {
    if (n === 'all') return MODELS.map((m) => ({ name: m.name }));
    if (/\.gguf$/i.test(n)) return [{ path: path.resolve(n) }];
    if (!MODELS.some((m) => m.name === n)) throw new ConfigError(`--model ${n}: not a catalogue model (${MODELS.map((m) => m.name).join(', ')}) nor a .gguf path`);
    return [{ name: n }];
  });
}

/** The default labelled file is the project's: found from any working directory. */
function resolveInProject(file: string): string {
  return file === DEFAULT_LABELLED && !fs.existsSync(file) ? path.join(projectRoot(), file) : file;
}
