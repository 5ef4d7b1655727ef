/**
 * LLM stage saturation: can the OpenAI backend + endpoint pool keep a server busy?
 * The fake server (test double) answers each request after a fixed latency L and serves at most C at
 * once, so no client can exceed C/L requests per second. A producer submits N >= 20*C requests through
 * the pool; we report throughput / (C/L) (target >= 0.95). Rows:
 *  - one endpoint, pool limit = C;
 *  - two endpoints of capacity C/2 each (load spread);
 *  - one endpoint answering 429 beyond C while the pool is allowed 4*C (the adaptive limit must find C).
 * Each fake server runs in its own worker thread, like a real server in its own process: sharing
 * the client's event loop would charge the server's JSON and HTTP work to the client.
 * Run: `npx tsc -p bench/tsconfig.json && node dist-bench/bench/llmSaturation.js [L_ms] [C]`.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LlmRequest } from '../src/llm/backend';
import { EndpointPool, type PoolMember } from '../src/llm/endpointPool';
import { OpenAiBackend } from '../src/llm/openaiBackend';
import type { FakeOpenAiServer, FakeServerOptions } from '../test/helpers/fakeOpenAiServer';

const L = Number(process.argv[2] ?? 200);
const C = Number(process.argv[3] ?? 16);
const N = 20 * C;

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

type ServerOptions = Omit<FakeServerOptions, 'respond'>;

/** A fake server in a worker thread, driven by messages. */
interface RemoteServer {
  url: string;
  stats(): Promise<FakeOpenAiServer['stats']>;
  close(): Promise<void>;
}

async function startRemote(opts: ServerOptions): Promise<RemoteServer> {
  const helper = path.join(__dirname, '..', 'test', 'helpers', 'fakeOpenAiServer.js');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { startFakeOpenAiServer } = require(${JSON.stringify(helper)});
    startFakeOpenAiServer({ ...workerData, respond: () => 'What does the segment explain?' }).then((s) => {
      parentPort.postMessage({ url: s.url });
      parentPort.on('message', async (m) => {
        if (m === 'stats') parentPort.postMessage({ stats: s.stats });
        if (m === 'reset') { s.stats.served = 0; s.stats.maxInFlight = 0; parentPort.postMessage({ ok: true }); }
        if (m === 'close') { await s.close(); parentPort.postMessage({ closed: true }); }
      });
    });`;
  const worker = new Worker(code, { eval: true, workerData: opts });
  const next = <T>(): Promise<T> => new Promise((resolve) => worker.once('message', resolve));
  const { url } = await next<{ url: string }>();
  return {
    url,
    stats: async () => {
      worker.postMessage('stats');
      return (await next<{ stats: FakeOpenAiServer['stats'] }>()).stats;
    },
    close: async () => {
      worker.postMessage('close');
      await next();
      await worker.terminate();
    },
  };
}

async function run(setup: string, servers: ServerOptions[], poolLimit: number, overloadHoldMs?: number): Promise<Row> {
  const started = await Promise.all(servers.map((o) => startRemote(o)));
  let pool: EndpointPool | undefined;
  const backends = started.map(
    (s, i) =>
      new OpenAiBackend({ baseUrl: s.url, model: 'fake', timeoutMs: 30_000, retries: 10, backoff: { initialMs: 20, maxMs: 400 }, onRetry: () => pool?.reportOverload(`e${i}`) }),
  );
  const members: PoolMember[] = backends.map((backend, i) => ({ name: `e${i}`, backend, maxConcurrency: poolLimit }));
  pool = new EndpointPool(members, { overloadHoldMs });
  try {
    await Promise.all(Array.from({ length: C }, (_, i) => pool!.complete(request(-i)))); // warm-up: connections
    const before = await Promise.all(started.map((s) => s.stats()));
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: N }, (_, i) => pool!.complete(request(i))));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const capacity = servers.reduce((n, o) => n + (o.capacity ?? 0), 0);
    const after = await Promise.all(started.map((s) => s.stats()));
    return {
      setup,
      seconds,
      served: after.reduce((n, s, i) => n + s.served - before[i].served, 0),
      bound: capacity / (L / 1000),
      retries: backends.reduce((n, b) => n + b.retryCount, 0),
      maxInFlight: Math.max(...after.map((s) => s.maxInFlight)),
    };
  } finally {
    await pool.close();
    await Promise.all(started.map((s) => s.close()));
  }
}

async function main(): Promise<void> {
  const rows = [
    await run(`1 endpoint, capacity ${C}, pool limit ${C}`, [{ latencyMs: L, capacity: C }], C),
    await run(`2 endpoints, capacity ${C / 2} each, limit ${C / 2} each`, [{ latencyMs: L, capacity: C / 2 }, { latencyMs: L, capacity: C / 2 }], C / 2),
    await run(`1 endpoint, capacity ${C} (429 beyond), adaptive limit <= ${4 * C}`, [{ latencyMs: L, capacity: C, overCapacity: 'reject429' }], 4 * C, L),
  ];
  console.log(`LLM saturation: fake server latency L=${L} ms, total capacity C=${C}, N=${N} requests; bound C/L = ${(C / (L / 1000)).toFixed(1)} req/s\n`);
  console.log('| setup | requests | seconds | req/s | bound C/L | ratio | retries | max in flight at server |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const rate = N / r.seconds;
    console.log(`| ${r.setup} | ${r.served} | ${r.seconds.toFixed(2)} | ${rate.toFixed(1)} | ${r.bound.toFixed(1)} | ${(rate / r.bound).toFixed(3)} | ${r.retries} | ${r.maxInFlight} |`);
  }
  const headline = N / rows[0].seconds / rows[0].bound;
  console.log(`\nsaturation ratio (first row): ${headline.toFixed(3)} (target >= 0.95) ${headline >= 0.95 ? 'OK' : 'BELOW TARGET'}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
