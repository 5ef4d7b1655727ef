/**
 * `npm run bench:extract`: main-text extraction quality and speed, humpback vs trafilatura, on the
 * evaluation set in ../shared/extraction-eval (bench/extractEval.ts: where it is looked for, the
 * metric). Both engines get the same pages as bytes (each decodes them itself: humpback with the
 * ingest stage's charset rules) and run one after the other on CPU 0 (taskset), in this run.
 * humpback: one warm-up pass, then the median of ROUNDS timed passes; trafilatura (pinned, from PyPI,
 * bench/trafilatura.ts), settings of the set's authors (`extract`, fast=False, no comments, tables,
 * no formatting): a warm-up on WARMUP pages, then one timed pass (a pass takes tens of seconds).
 * humpback's text is its blocks joined by newlines: exactly what the segmenter cuts.
 * Quality is reported on all pages and on two fixed halves (by URL hash): `dev`, which the
 * heuristics were tuned on, and `held-out`, which checks that they generalise.
 * Targets: F >= 0.93 and precision >= 0.92 on all pages, pages/s >= 3x trafilatura's.
 * Flags: `--eval-dir=DIR`; `--humpback-only` (skip trafilatura, for quick iterations);
 * `--misses` (print humpback's missed `with` and found `without` snippets per page, to stderr).
 * A full run (both engines) also writes the table to bench/results/extract.md; a `--humpback-only`
 * run leaves that record alone, since it has no baseline to compare with.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeBytes } from '../src/ingest/charset';
import { htmlToStructuredText } from '../src/text/htmlToText';
import { repoRoot, runMain, type BenchRow } from './common';
import { addConfusion, evalDir, inSplit, loadEvalSet, NO_COUNTS, scorePage, scores, snippetMisses, type Confusion, type EvalPage, type Split } from './extractEval';
import { median, pinToCpu0, runTrafilatura, TRAFILATURA_VERSION } from './trafilatura';

const ROUNDS = 3;
const WARMUP = 20;
const SPLITS: Split[] = ['all', 'dev', 'held-out'];

interface EngineRun {
  engine: string;
  outputs: string[];
  seconds: number;
}

/** humpback's main text of one page: decode, extract, blocks joined as the segmenter sees them. */
function humpbackText(html: Buffer): string {
  return htmlToStructuredText(decodeBytes(html, { html: true }).text).blocks.map((b) => b.text).join('\n');
}

function runHumpback(pages: EvalPage[]): EngineRun {
  let outputs: string[] = [];
  const pass = (): number => {
    const started = process.hrtime.bigint();
    outputs = pages.map((p) => humpbackText(p.html));
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  pass();
  return { engine: 'humpback (htmlToStructuredText)', outputs, seconds: median(Array.from({ length: ROUNDS }, pass)) };
}

const PYTHON_EXTRACT = `
import gzip, json, platform, sys, time
import trafilatura
files = json.load(sys.stdin)
pages = [gzip.open(f).read() for f in files]
opts = dict(fast=False, include_comments=False, include_tables=True, include_formatting=False)
for p in pages[:${WARMUP}]:
    trafilatura.extract(p, **opts)
t = time.perf_counter()
outputs = [trafilatura.extract(p, **opts) or "" for p in pages]
seconds = time.perf_counter() - t
print(json.dumps({"outputs": outputs, "seconds": seconds, "version": trafilatura.__version__, "python": platform.python_version()}))
`;

function runTrafilaturaOn(pages: EvalPage[]): EngineRun {
  const r = runTrafilatura<{ outputs: string[]; seconds: number; version: string; python: string }>(PYTHON_EXTRACT, JSON.stringify(pages.map((p) => p.file)));
  return { engine: `trafilatura ${r.version} (Python ${r.python})`, outputs: r.outputs, seconds: r.seconds };
}

function confusion(pages: EvalPage[], outputs: string[], split: Split): Confusion {
  return pages.reduce((c, p, i) => (inSplit(p, split) ? addConfusion(c, scorePage(p, outputs[i])) : c), NO_COUNTS);
}

function tableRows(run: EngineRun, pages: EvalPage[]): string[] {
  return SPLITS.map((split) => {
    const c = confusion(pages, run.outputs, split);
    const s = scores(c);
    const n = pages.filter((p) => inSplit(p, split)).length;
    const speed = split === 'all' ? (pages.length / run.seconds).toFixed(1) : '';
    return `| ${run.engine} | ${split} (${n}) | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} | ${s.f.toFixed(3)} | ${s.accuracy.toFixed(3)} | ${c.empty} | ${speed} |`;
  });
}

function printMisses(pages: EvalPage[], outputs: string[]): void {
  pages.forEach((p, i) => {
    const { missed, found } = snippetMisses(p, outputs[i]);
    if (missed.length + found.length === 0) return;
    process.stderr.write(`${p.url} (${p.file}) [${inSplit(p, 'dev') ? 'dev' : 'held-out'}]\n`);
    for (const m of missed) process.stderr.write(`  missed: ${JSON.stringify(m)}\n`);
    for (const f of found) process.stderr.write(`  extra:  ${JSON.stringify(f)}\n`);
  });
}

export function measureExtract(argv: readonly string[] = process.argv): { rows: BenchRow[]; report: string[] } {
  const dir = evalDir(argv);
  const pages = loadEvalSet(dir);
  const unpin = pinToCpu0();
  let runs: EngineRun[];
  try {
    const ours = runHumpback(pages);
    runs = argv.includes('--humpback-only') ? [ours] : [ours, runTrafilaturaOn(pages)];
  } finally {
    unpin?.();
  }
  if (argv.includes('--misses')) printMisses(pages, runs[0].outputs);
  const report = [
    '# Extraction benchmark',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${unpin ? 'pinned to CPU 0' : 'not pinned (no taskset)'}; ` +
      `${pages.length} pages from ${dir}; per-snippet metric of the set's authors; humpback median of ${ROUNDS} passes, trafilatura one pass.`,
    '',
    '| engine | pages | precision | recall | F | accuracy | empty | pages/s |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...runs.flatMap((r) => tableRows(r, pages)),
  ];
  const [ours, theirs] = runs.map((r) => ({ run: r, s: scores(confusion(pages, r.outputs, 'all')), speed: pages.length / r.seconds }));
  const quality: BenchRow = {
    benchmark: `extract: main-text F-score on extraction-eval (${pages.length} pages), humpback vs trafilatura ${TRAFILATURA_VERSION}`,
    measured: `F ${ours.s.f.toFixed(3)} (P ${ours.s.precision.toFixed(3)}, R ${ours.s.recall.toFixed(3)})`,
    baseline: theirs ? `F ${theirs.s.f.toFixed(3)} (P ${theirs.s.precision.toFixed(3)}, R ${theirs.s.recall.toFixed(3)})` : '-',
    ratio: theirs ? ours.s.f / theirs.s.f : NaN,
    target: 'F >= 0.93, P >= 0.92',
    met: ours.s.f >= 0.93 && ours.s.precision >= 0.92,
  };
  const rows = [quality];
  if (theirs) {
    const ratio = ours.speed / theirs.speed;
    report.push('', `Ratio humpback/trafilatura: F ${quality.ratio.toFixed(3)}, pages/s **${ratio.toFixed(1)}x** (target >= 3x).`);
    rows.push({
      benchmark: `extract: pages/s on one core, humpback vs trafilatura ${TRAFILATURA_VERSION} (same ${pages.length} pages)`,
      measured: `${ours.speed.toFixed(1)} pages/s`,
      baseline: `${theirs.speed.toFixed(1)} pages/s`,
      ratio,
      target: '>= 3x',
      met: ratio >= 3,
    });
  }
  return { rows, report };
}

async function main(): Promise<void> {
  const { report } = measureExtract();
  process.stdout.write(report.join('\n') + '\n');
  const out = path.join(repoRoot(), 'bench', 'results', 'extract.md');
  if (process.argv.includes('--humpback-only')) {
    process.stderr.write(`--humpback-only: ${out} left as it was (it records full runs, with the trafilatura baseline)\n`);
    return;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, report.join('\n') + '\n');
}

if (require.main === module) runMain(main);
