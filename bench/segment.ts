/**
 * `npm run bench:segment [-- files-or-folders...]`: throughput of HTML -> segments on one core, and of
 * trafilatura's `extract` on the same files in the same run, with the ratio (target: humpback >= 3x).
 * Files are read into memory first; only the extraction is timed. Each engine runs one warm-up pass
 * and then `ROUNDS` timed passes; the median pass is reported. While measuring, every thread of the
 * process (and so the Python child) is pinned to CPU 0 with `taskset` when it can, so "one core"
 * holds for both; the previous affinity is restored afterwards (`npm run bench` goes on in-process).
 * trafilatura (pinned, bench/trafilatura.ts) is installed on first run into <cacheDir>/bench/venv (PyPI), never elsewhere.
 * `npm run bench` calls measureSegment() on samples/corpus.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../src/stages/segment';
import { createSegmenter, structureDocument } from '../src/stages/segmentPipeline';
import { repoRoot, runMain, type BenchRow } from './common';
import { median, pinToCpu0, runTrafilatura } from './trafilatura';

const ROUNDS = 5;

interface Row {
  engine: string;
  docs: number;
  bytes: number;
  seconds: number;
}

function htmlFiles(inputs: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    else if (/\.html?$/i.test(p)) out.push(p);
  };
  inputs.forEach(walk);
  return out;
}

function benchHumpback(docs: string[]): Row & { segments: number } {
  const segmenter = createSegmenter(configSchema.parse({}));
  let segments = 0;
  const pass = (): number => {
    const started = process.hrtime.bigint();
    segments = 0;
    for (const content of docs) segments += segmenter(structureDocument({ content_type: 'text/html', content })).kept.length;
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  pass(); // warm-up: JIT and the language model's lazy tables
  const seconds = median(Array.from({ length: ROUNDS }, pass));
  return { engine: 'humpback (htmlToStructuredText + segmenter + filters)', docs: docs.length, bytes: docs.reduce((n, d) => n + Buffer.byteLength(d), 0), seconds, segments };
}

const PYTHON_BENCH = `
import json, platform, statistics, sys, time
import trafilatura
files = json.load(sys.stdin)
docs = [open(f, encoding="utf-8", errors="replace").read() for f in files]
def run():
    t = time.perf_counter()
    for d in docs:
        trafilatura.extract(d, output_format="txt", include_comments=False)
    return time.perf_counter() - t
run()  # warm-up: lazy imports and caches
seconds = statistics.median(run() for _ in range(${ROUNDS}))
print(json.dumps({"docs": len(docs), "bytes": sum(len(d.encode("utf-8")) for d in docs), "seconds": seconds, "version": trafilatura.__version__, "python": platform.python_version()}))
`;

function benchTrafilatura(files: string[]): Row {
  const r = runTrafilatura<{ docs: number; bytes: number; seconds: number; version: string; python: string }>(PYTHON_BENCH, JSON.stringify(files));
  return { engine: `trafilatura ${r.version} on Python ${r.python} (extract, txt, no comments)`, docs: r.docs, bytes: r.bytes, seconds: r.seconds };
}

function table(rows: Row[]): string[] {
  const cells = rows.map((r) => [r.engine, String(r.docs), (r.bytes / 1e6).toFixed(2), r.seconds.toFixed(3), (r.docs / r.seconds).toFixed(1), (r.bytes / 1e6 / r.seconds).toFixed(2)]);
  return ['| engine | docs | MB | seconds | docs/s | MB/s |', '|---|---:|---:|---:|---:|---:|', ...cells.map((c) => `| ${c.join(' | ')} |`)];
}

/** Both engines over the same HTML files (default: samples/corpus), one core each, one after the other. */
export function measureSegment(inputs: string[] = []): { row: BenchRow; report: string[] } {
  const files = htmlFiles(inputs.length > 0 ? inputs : [path.join(repoRoot(), 'samples', 'corpus')]);
  if (files.length === 0) throw new Error('no .html files to benchmark');
  const docs = files.map((f) => fs.readFileSync(f, 'utf8'));
  const unpin = pinToCpu0();
  let ours: ReturnType<typeof benchHumpback>;
  let theirs: Row;
  try {
    ours = benchHumpback(docs);
    theirs = benchTrafilatura(files);
  } finally {
    unpin?.();
  }
  const [mbs, theirMbs] = [ours.bytes / 1e6 / ours.seconds, theirs.bytes / 1e6 / theirs.seconds];
  const ratio = mbs / theirMbs;
  const pinned = unpin ? 'pinned to CPU 0 with taskset' : 'not pinned (no taskset)';
  const report = [
    '# Segment benchmark',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${pinned}; ` +
      `${files.length} files from ${inputs.length > 0 ? inputs.join(', ') : 'samples/corpus'}; median of ${ROUNDS} passes after one warm-up; MB = 10^6 bytes of HTML.`,
    '',
    ...table([ours, theirs]),
    '',
    `Ratio humpback/trafilatura (MB/s): **${ratio.toFixed(1)}x** (target >= 3x). humpback kept ${ours.segments} segments.`,
  ];
  const row: BenchRow = {
    benchmark: `segment: HTML -> segments on one core vs trafilatura extract (${files.length} pages of samples/corpus)`,
    measured: `${mbs.toFixed(2)} MB/s`,
    baseline: `${theirMbs.toFixed(2)} MB/s (${theirs.engine.split(' (')[0]})`,
    ratio,
    target: '>= 3x',
    met: ratio >= 3,
  };
  return { row, report };
}

async function main(): Promise<void> {
  const { report } = measureSegment(process.argv.slice(2));
  process.stdout.write(report.join('\n') + '\n');
  const out = path.join(repoRoot(), 'bench', 'results', 'segment.md');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, report.join('\n') + '\n');
}

if (require.main === module) runMain(main);
