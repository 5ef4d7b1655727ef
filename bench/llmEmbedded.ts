/**
 * Embedded model throughput: the same 12 short backtranslation prompts (seed answers from
 * samples/seed.jsonl, cut to 600 characters; up to 48 answer tokens; temperature 0.7, top-p 0.9, fixed
 * seeds) through the embedded backend, one request at a time on one sequence (the baseline) versus
 * batched layouts (N sequences of one context in lockstep; K contexts with their own threads).
 * Each layout gets a warm-up request, then ROUNDS timed passes; the best pass is reported (the machine
 * may be shared). Target: batched pairs/s >= 2x the baseline.
 * Quick mode (`--quick` or BENCH_QUICK=1, also `npm run bench -- --quick`): QUICK_PROMPTS
 * prompts and only the baseline and the 1 context x 4 sequences and cores x 1 layouts.
 * Run: `npm run bench:llm-embedded [-- --quick] [-- model.gguf]` or `node dist-bench/bench/llmEmbedded.js [--quick] [model.gguf]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LlmRequest } from '../src/llm/backend';
import { EmbeddedBackend } from '../src/llm/embeddedBackend';
import { resolveModelPath } from '../src/llm/modelFetch';
import { quickMode, repoRoot, runMain, type BenchRow } from './common';

const PROMPTS = 12;
const QUICK_PROMPTS = 4;

interface Layout {
  name: string;
  contexts: number;
  sequences: number;
  threads?: number;
  /** Submit all prompts at once (batched) or one after another. */
  concurrent: boolean;
}

interface Row {
  layout: Layout;
  seconds: number;
  tokensOut: number;
  meanBatch: number;
  threads: number;
}

function prompts(count: number): LlmRequest[] {
  const lines = fs.readFileSync(path.join(repoRoot(), 'samples', 'seed.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, count);
  return lines.map((line, i) => {
    const answer = (JSON.parse(line) as { output: string }).output.slice(0, 600);
    const content = `Below is a candidate answer to a question or instruction from a user. Write the most likely question to which the text below would be a great answer.\n\n<text>\n${answer}\n</text>`;
    return { messages: [{ role: 'user', content }], sampling: { temperature: 0.7, topP: 0.9, maxTokens: 48, seed: 1000 + i } };
  });
}

async function measure(modelPath: string, layout: Layout, requests: LlmRequest[], rounds: number): Promise<Row> {
  const backend = await EmbeddedBackend.create({ modelPath, contexts: layout.contexts, sequences: layout.sequences, threads: layout.threads, contextSize: 1024, timeoutMs: 600_000 });
  try {
    await backend.complete(requests[0]); // warm-up
    let best = Infinity;
    let tokensOut = 0;
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint();
      let out = 0;
      if (layout.concurrent) out = (await Promise.all(requests.map((q) => backend.complete(q)))).reduce((n, x) => n + x.tokensOut, 0);
      else for (const q of requests) out += (await backend.complete(q)).tokensOut;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (seconds < best) [best, tokensOut] = [seconds, out];
    }
    const threads = layout.threads ?? Math.max(1, Math.floor(os.availableParallelism() / layout.contexts));
    return { layout, seconds: best, tokensOut, meanBatch: backend.meanBatch, threads };
  } finally {
    await backend.close();
  }
}

/** The layouts over the seed prompts; quick: fewer prompts, three layouts. */
export async function measureEmbedded(opts: { quick: boolean; modelPath?: string }): Promise<{ row: BenchRow; report: string[] }> {
  const modelPath = await resolveModelPath(opts.modelPath);
  const requests = prompts(opts.quick ? QUICK_PROMPTS : PROMPTS);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const cores = os.availableParallelism();
  const layouts: Layout[] = [
    { name: 'baseline: 1 sequence, one at a time', contexts: 1, sequences: 1, concurrent: false },
    { name: '1 context x 4 sequences, batched', contexts: 1, sequences: 4, concurrent: true },
    { name: '1 context x 8 sequences, batched', contexts: 1, sequences: 8, concurrent: true },
    { name: `${cores} contexts x 1 sequence (1 thread each)`, contexts: cores, sequences: 1, threads: 1, concurrent: true },
    { name: `${cores} contexts x 4 sequences (1 thread each)`, contexts: cores, sequences: 4, threads: 1, concurrent: true },
  ].filter((l) => !opts.quick || l.sequences === 1 || (l.contexts === 1 && l.sequences === 4));
  const rows: Row[] = [];
  for (const layout of layouts) {
    rows.push(await measure(modelPath, layout, requests, rounds));
    process.stderr.write(`done: ${layout.name}\n`);
  }
  const pairsPerSecond = (r: Row): number => requests.length / r.seconds;
  const base = pairsPerSecond(rows[0]);
  const best = rows.slice(1).reduce((a, b) => (pairsPerSecond(b) > pairsPerSecond(a) ? b : a));
  const ratio = pairsPerSecond(best) / base;
  const report = [
    `Embedded model ${path.basename(modelPath)} on ${cores} cores (${os.cpus()[0]?.model ?? 'cpu'}), ${requests.length} prompts, <= 48 answer tokens, best of ${rounds}`,
    '',
    '| layout | threads/context | seconds | pairs/s | answer tokens/s | mean sequences per step | vs baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.layout.name} | ${r.threads} | ${r.seconds.toFixed(2)} | ${pairsPerSecond(r).toFixed(2)} | ${(r.tokensOut / r.seconds).toFixed(1)} | ${r.meanBatch.toFixed(2)} | ${(pairsPerSecond(r) / base).toFixed(2)}x |`),
  ];
  const row: BenchRow = {
    benchmark: `embedded model batched (best: ${best.layout.name}) vs one at a time (${requests.length} prompts${opts.quick ? ', quick' : ''})`,
    measured: `${pairsPerSecond(best).toFixed(2)} pairs/s`,
    baseline: `${base.toFixed(2)} pairs/s`,
    ratio,
    target: '>= 2x',
    met: ratio >= 2,
  };
  return { row, report };
}

async function main(): Promise<void> {
  const { row, report } = await measureEmbedded({ quick: quickMode(), modelPath: process.argv.slice(2).find((a) => !a.startsWith('--')) });
  console.log(report.join('\n'));
  console.log(`\nbest batched / baseline: ${row.ratio.toFixed(2)}x (target >= 2x)`);
}

if (require.main === module) runMain(main);
