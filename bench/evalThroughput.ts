/**
 * Scorer throughput of the default embedded model, as `humpback eval` measures it: the same pairs
 * (the first PAIRS held-out seed pairs, the same answers shuffled, and the first PAIRS pairs of the
 * labelled dev file) scored in the model's default mode and in the paper's free-text mode (`text`),
 * one after the other in one run, with the default topology's layout and concurrency. Wall seconds,
 * so pairs/s is what the score stage would do on this machine. The row is reported, with no target:
 * it says what the default mode costs next to the paper's way of scoring, and the eval figures of
 * both runs go to stderr.
 * Quick mode (`--quick` or BENCH_QUICK=1): QUICK_PAIRS pairs per set.
 * Run: `npm run bench:eval [-- --quick]`.
 */
import path from 'node:path';
import { evalMarkdown } from '../src/eval/evalTable';
import { runEval } from '../src/eval/runEval';
import { DEFAULT_MODEL } from '../src/llm/models';
import { createLogger } from '../src/core/logger';
import { loadTopology } from '../src/topology/loader';
import { quickMode, repoRoot, runMain, type BenchRow } from './common';

const PAIRS = 8;
const QUICK_PAIRS = 3;

export async function measureEvalThroughput(quick = false): Promise<{ row: BenchRow; report: string[] }> {
  const root = repoRoot();
  const defaultMode = DEFAULT_MODEL.scoring.mode;
  const report = await runEval({
    topology: loadTopology(path.join(root, 'topologies', 'humpback.yaml')),
    modes: [defaultMode, 'text'],
    labelledFile: path.join(root, 'samples', 'eval', 'scorer-dev.jsonl'),
    limit: quick ? QUICK_PAIRS : PAIRS,
    backward: false,
    logger: createLogger({ component: 'bench' }, 'warn'),
  });
  const rate = (mode: string): { pairsPerSecond: number; pairs: number } => {
    const s = report.scorers.find((x) => x.mode === mode);
    if (!s || 'unavailable' in s) throw new Error(`mode ${mode} did not run: ${s && 'unavailable' in s ? s.unavailable : 'missing'}`);
    const pairs = (s.shuffled ? 2 * s.shuffled.pairs : 0) + (s.labelled?.pairs ?? 0);
    return { pairsPerSecond: 1 / s.secondsPerPair, pairs };
  };
  const fast = rate(defaultMode);
  const paper = rate('text');
  return {
    row: {
      benchmark: `scorer: default model (${report.model}) in its default mode ${defaultMode} vs the paper's free-text rubric (mode text), same ${fast.pairs} pairs`,
      measured: `${fast.pairsPerSecond.toFixed(2)} pairs/s`,
      baseline: `${paper.pairsPerSecond.toFixed(2)} pairs/s (text)`,
      ratio: fast.pairsPerSecond / paper.pairsPerSecond,
      target: 'none',
      met: undefined,
    },
    report: [evalMarkdown([report])],
  };
}

if (require.main === module) {
  runMain(async () => {
    const { row, report } = await measureEvalThroughput(quickMode());
    process.stdout.write(`${report.join('\n')}\n${row.benchmark}: ${row.measured} vs ${row.baseline} (${row.ratio.toFixed(2)}x)\n`);
  });
}
