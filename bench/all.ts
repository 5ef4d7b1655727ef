/**
 * `npm run bench`: every benchmark of the project in one run and ONE table, each row a ratio measured
 * side by side in this run (bench/segment.ts, extract.ts, llmSaturation.ts, llmEmbedded.ts, evalThroughput.ts,
 * pipelineOverhead.ts,
 * memoryBacklog.ts, scaleOut.ts; each is also runnable alone and documents its method). The table
 * (Markdown: benchmark, measured, baseline, ratio, target, met?) and the machine are printed and
 * written to bench/results/latest.md; each benchmark's own detail table goes to stderr as it finishes.
 * Defaults: the embedded model on all 12 prompts (about 2.5 min on 2 cores), a backlog of 1,000,000
 * Segments sampled for 60 s. `--quick` (or BENCH_QUICK=1): 4 prompts for the embedded model and a
 * backlog of 100,000 sampled for 30 s. A benchmark that fails becomes a row saying so, and the exit code is 1.
 * Needs the broker (`humpback kafka start`, reused when running) and the model (`humpback model fetch`).
 * Run: `npm run bench [-- --quick]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../src/core/errors';
import { brokers, quickMode, repoRoot, runMain, type BenchRow } from './common';
import { measureExtract } from './extract';
import { measureEmbedded } from './llmEmbedded';
import { measureEvalThroughput } from './evalThroughput';
import { measureSaturation } from './llmSaturation';
import { measureMemoryBacklog } from './memoryBacklog';
import { measurePipelineOverhead } from './pipelineOverhead';
import { measureScaleOut } from './scaleOut';
import { measureSegment } from './segment';

type Step = [name: string, run: () => Promise<{ rows: BenchRow[]; report: string[] }>];

const one = async (r: { row: BenchRow; report: string[] } | Promise<{ row: BenchRow; report: string[] }>) => {
  const { row, report } = await r;
  return { rows: [row], report };
};

function steps(quick: boolean): Step[] {
  return [
    ['segment', () => one(measureSegment())],
    ['extraction', async () => measureExtract([])],
    ['LLM saturation', () => one(measureSaturation())],
    ['embedded model', () => one(measureEmbedded({ quick }))],
    ['scorer throughput', () => one(measureEvalThroughput(quick))],
    ['pipeline overhead', () => one(measurePipelineOverhead(quick ? 50_000 : 200_000))],
    ['memory under a backlog', () => one(quick ? measureMemoryBacklog(100_000, 30) : measureMemoryBacklog(1_000_000, 60))],
    ['scale-out', () => measureScaleOut()],
  ];
}

export function markdownTable(rows: readonly BenchRow[]): string[] {
  const met = (r: BenchRow): string => (r.met === undefined ? 'n/a' : r.met ? 'yes' : '**no**');
  return [
    '| benchmark | measured | baseline | ratio | target | met? |',
    '| --- | ---: | ---: | ---: | ---: | :---: |',
    ...rows.map((r) => `| ${r.benchmark} | ${r.measured} | ${r.baseline} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '-'} | ${r.target} | ${met(r)} |`),
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  const quick = quickMode();
  brokers(); // start (or find) the broker before anything is timed
  const rows: BenchRow[] = [];
  let failed = false;
  for (const [name, run] of steps(quick)) {
    process.stderr.write(`\n== ${name} ==\n`);
    const t0 = Date.now();
    try {
      const result = await run();
      rows.push(...result.rows);
      process.stderr.write(`${result.report.join('\n')}\n(${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    } catch (err) {
      failed = true;
      process.stderr.write(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      rows.push({ benchmark: name, measured: `failed: ${errorMessage(err).split('\n')[0]}`, baseline: '-', ratio: NaN, target: '-', met: false });
    }
  }
  const machine =
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.arch()}; ` +
    `${quick ? 'quick mode; ' : ''}all benchmarks in ${((Date.now() - started) / 60_000).toFixed(1)} min.`;
  const lines = ['# Benchmarks (`npm run bench`)', '', machine, '', ...markdownTable(rows), ''];
  process.stdout.write(`\n${lines.join('\n')}`);
  const out = path.join(repoRoot(), 'bench', 'results', 'latest.md');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, lines.join('\n'));
  if (failed) process.exitCode = 1;
}

if (require.main === module) runMain(main);
