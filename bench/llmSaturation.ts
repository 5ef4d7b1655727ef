/**
 * LLM stage saturation: can the OpenAI backend + endpoint pool keep a server busy?
 * The fake server (test double) answers each request after a fixed latency L and serves at most C at
 * once, so no client can exceed C/L requests per second. A producer submits N >= 20*C requests through
 * the pool; we report throughput / (C/L) (target >= 0.95). Rows:
 *  - one endpoint, pool limit = C;
 *  - two endpoints of capacity C/2 each (load spread);
 *  - one endpoint answering 429 beyond C while the pool is allowed 4*C (the adaptive limit must find C).
 * Each fake server runs in its own worker thread (bench/fakeServer.ts), like a real server in its own
 * process: sharing the client's event loop would charge the server's JSON and HTTP work to the client.
 * `npm run bench` calls measureSaturation() with the defaults.
 * Run: `npm run bench:llm-saturation` or `node dist-bench/bench/llmSaturation.js [L_ms] [C]`.
 */
import type { LlmRequest } from '../src/llm/backend';
import { EndpointPool, type PoolMember } from '../src/llm/endpointPool';
import { OpenAiBackend } from '../src/llm/openaiBackend';
import { DEFAULT_RETRY_POLICY, retrying, type RetryPolicy } from '../src/core/retryPolicy';
import { runMain, type BenchRow } from './common';
import { startFakeServer, type ServerOptions } from './fakeServer';

interface Row {
  setup: string;
  seconds: number;
  served: number;
  bound: number;
  retries: number;
  maxInFlight: number;
}

const request = (i: number): LlmRequest => ({
  messages: [{ role: 'user', content: `Segment ${i}: write the question this text answers.` }],
  sampling: { temperature: 0.7, topP: 0.9, maxTokens: 64, seed: i },
});

async function run(L: number, C: number, setup: string, servers: ServerOptions[], poolLimit: number, overloadHoldMs?: number): Promise<Row> {
  const N = 20 * C;
  const started = await Promise.all(servers.map((o) => startFakeServer(o, 'What does the segment explain?')));
  const backends = started.map((s) => new OpenAiBackend({ baseUrl: s.url, model: 'fake', timeoutMs: 30_000 }));
  const members: PoolMember[] = backends.map((backend, i) => ({ name: `e${i}`, backend, maxConcurrency: poolLimit }));
  const pool = new EndpointPool(members, { overloadHoldMs });
  // Refused requests are tried again as a stage would retry its record (quick waits: the server is local).
  let retries = 0;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, retries: 10, backoff: { initialMs: 20, maxMs: 400 } };
  const complete = (r: LlmRequest) => retrying(() => pool.complete(r), policy, { onRetry: () => (retries += 1) });
  try {
    await Promise.all(Array.from({ length: C }, (_, i) => complete(request(-i)))); // warm-up: connections
    const before = await Promise.all(started.map((s) => s.stats()));
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: N }, (_, i) => complete(request(i))));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const capacity = servers.reduce((n, o) => n + (o.capacity ?? 0), 0);
    const after = await Promise.all(started.map((s) => s.stats()));
    return {
      setup,
      seconds,
      served: after.reduce((n, s, i) => n + s.served - before[i].served, 0),
      bound: capacity / (L / 1000),
      retries,
      maxInFlight: Math.max(...after.map((s) => s.maxInFlight)),
    };
  } finally {
    await pool.close();
    await Promise.all(started.map((s) => s.close()));
  }
}

/** All three setups at latency L (ms) and capacity C, N = 20*C requests each; the row is the first setup's throughput / (C/L). */
export async function measureSaturation(L = 200, C = 16): Promise<{ row: BenchRow; report: string[] }> {
  const N = 20 * C;
  const rows = [
    await run(L, C, `1 endpoint, capacity ${C}, pool limit ${C}`, [{ latencyMs: L, capacity: C }], C),
    await run(L, C, `2 endpoints, capacity ${C / 2} each, limit ${C / 2} each`, [{ latencyMs: L, capacity: C / 2 }, { latencyMs: L, capacity: C / 2 }], C / 2),
    await run(L, C, `1 endpoint, capacity ${C} (429 beyond), adaptive limit <= ${4 * C}`, [{ latencyMs: L, capacity: C, overCapacity: 'reject429' }], 4 * C, L),
  ];
  const report = [
    `LLM saturation: fake server latency L=${L} ms, total capacity C=${C}, N=${N} requests; bound C/L = ${(C / (L / 1000)).toFixed(1)} req/s`,
    '',
    '| setup | requests | seconds | req/s | bound C/L | ratio | retries | max in flight at server |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const rate = N / r.seconds;
      return `| ${r.setup} | ${r.served} | ${r.seconds.toFixed(2)} | ${rate.toFixed(1)} | ${r.bound.toFixed(1)} | ${(rate / r.bound).toFixed(3)} | ${r.retries} | ${r.maxInFlight} |`;
    }),
  ];
  const rate = N / rows[0].seconds;
  const ratio = rate / rows[0].bound;
  const row: BenchRow = {
    benchmark: `LLM stage saturation (OpenAI backend + pool vs fake server, L=${L} ms, C=${C}, ${N} requests)`,
    measured: `${rate.toFixed(1)} req/s`,
    baseline: `${rows[0].bound.toFixed(1)} req/s (C/L)`,
    ratio,
    target: '>= 0.95',
    met: ratio >= 0.95,
  };
  return { row, report };
}

async function main(): Promise<void> {
  const { row, report } = await measureSaturation(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 16));
  console.log(report.join('\n'));
  console.log(`\nsaturation ratio (first row): ${row.ratio.toFixed(3)} (target >= 0.95) ${row.met ? 'OK' : 'BELOW TARGET'}`);
}

if (require.main === module) runMain(main);
