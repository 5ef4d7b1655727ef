/**
 * Embedded model throughput: the same 12 short backtranslation prompts (seed answers from
 * samples/seed.jsonl, cut to 600 characters; up to 48 answer tokens; temperature 0.7, top-p 0.9, fixed
 * seeds) through the embedded backend, one request at a time on one sequence (the baseline) versus
 * batched layouts (N sequences of one context in lockstep; K contexts with their own threads).
 * Each layout gets a warm-up request, then ROUNDS timed passes; the best pass is reported (the machine
 * may be shared). Target: batched pairs/s >= 2x the baseline.
 * Run: `npx tsc -p bench/tsconfig.json && node dist-bench/bench/llmEmbedded.js [model.gguf]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LlmRequest } from '../src/llm/backend';
import { EmbeddedBackend } from '../src/llm/embeddedBackend';
import { resolveModelPath } from '../src/llm/modelFetch';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PROMPTS = 12;

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

function repoRoot(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) if (fs.existsSync(path.join(dir, 'samples', 'seed.jsonl'))) return dir;
  return process.cwd();
}

function prompts(): LlmRequest[] {
  const lines = fs.readFileSync(path.join(repoRoot(), 'samples', 'seed.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, PROMPTS);
  return lines.map((line, i) => {
    const answer = (JSON.parse(line) as { output: string }).output.slice(0, 600);
    const content = `Below is a candidate answer to a question or instruction from a user. Write the most likely question to which the text below would be a great answer.\n\n<text>\n${answer}\n</text>`;
    return { messages: [{ role: 'user', content }], sampling: { temperature: 0.7, topP: 0.9, maxTokens: 48, seed: 1000 + i } };
  });
}

async function measure(modelPath: string, layout: Layout, requests: LlmRequest[]): Promise<Row> {
  const backend = await EmbeddedBackend.create({ modelPath, contexts: layout.contexts, sequences: layout.sequences, threads: layout.threads, contextSize: 1024, timeoutMs: 600_000 });
  try {
    await backend.complete(requests[0]); // warm-up
    let best = Infinity;
    let tokensOut = 0;
    for (let r = 0; r < ROUNDS; r++) {
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

async function main(): Promise<void> {
  const modelPath = await resolveModelPath(process.argv[2]);
  const requests = prompts();
  const cores = os.availableParallelism();
  const layouts: Layout[] = [
    { name: 'baseline: 1 sequence, one at a time', contexts: 1, sequences: 1, concurrent: false },
    { name: '1 context x 4 sequences, batched', contexts: 1, sequences: 4, concurrent: true },
    { name: '1 context x 8 sequences, batched', contexts: 1, sequences: 8, concurrent: true },
    { name: `${cores} contexts x 1 sequence (1 thread each)`, contexts: cores, sequences: 1, threads: 1, concurrent: true },
    { name: `${cores} contexts x 4 sequences (1 thread each)`, contexts: cores, sequences: 4, threads: 1, concurrent: true },
  ];
  const rows: Row[] = [];
  for (const layout of layouts) {
    rows.push(await measure(modelPath, layout, requests));
    process.stderr.write(`done: ${layout.name}\n`);
  }
  const base = requests.length / rows[0].seconds;
  console.log(`Embedded model ${path.basename(modelPath)} on ${cores} cores (${os.cpus()[0]?.model ?? 'cpu'}), ${requests.length} prompts, <= 48 answer tokens, best of ${ROUNDS}\n`);
  console.log('| layout | threads/context | seconds | pairs/s | answer tokens/s | mean sequences per step | vs baseline |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const pairs = requests.length / r.seconds;
    console.log(`| ${r.layout.name} | ${r.threads} | ${r.seconds.toFixed(2)} | ${pairs.toFixed(2)} | ${(r.tokensOut / r.seconds).toFixed(1)} | ${r.meanBatch.toFixed(2)} | ${(pairs / base).toFixed(2)}x |`);
  }
  const bestBatched = Math.max(...rows.slice(1).map((r) => requests.length / r.seconds));
  console.log(`\nbest batched / baseline: ${(bestBatched / base).toFixed(2)}x (target >= 2x)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
