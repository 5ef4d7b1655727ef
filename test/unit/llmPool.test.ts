import { AdaptiveLimit } from '../../src/llm/adaptiveLimit';
import type { LlmBackend, LlmRequest, LlmResponse } from '../../src/llm/backend';
import { EndpointPool, type PoolMember } from '../../src/llm/endpointPool';
import { OpenAiBackend } from '../../src/llm/openaiBackend';
import { ConfigError, PoisonRecordError, RetriableError } from '../../src/core/errors';
import { DEFAULT_RETRY_POLICY, retrying } from '../../src/core/retryPolicy';
import { startFakeOpenAiServer } from '../helpers/fakeOpenAiServer';

const req: LlmRequest = { messages: [{ role: 'user', content: 'q' }], sampling: { temperature: 0, topP: 1, maxTokens: 8 } };
const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A backend double that records concurrency and can be told to fail. */
class FakeBackend implements LlmBackend {
  readonly constrains = false;
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;
  fail: (() => Error) | undefined;
  constructor(
    readonly id: string,
    public latencyMs = 5,
  ) {}
  async complete(): Promise<LlmResponse> {
    this.calls += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await tick(this.latencyMs);
      if (this.fail) throw this.fail();
      return { text: this.id, tokensIn: 1, tokensOut: 1, model: 'm', finishReason: 'stop' };
    } finally {
      this.inFlight -= 1;
    }
  }
  async close(): Promise<void> {}
}

const member = (backend: FakeBackend, maxConcurrency: number): PoolMember => ({ name: backend.id, backend, maxConcurrency });

describe('EndpointPool', () => {
  it('spreads sequential requests round-robin when loads tie', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => new FakeBackend(n));
    const pool = new EndpointPool([member(a, 4), member(b, 4), member(c, 4)]);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push((await pool.complete(req)).text);
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('sends work to the endpoint with the fewest requests in flight', async () => {
    const slow = new FakeBackend('slow', 1_000);
    const fast = new FakeBackend('fast', 5);
    const pool = new EndpointPool([member(slow, 8), member(fast, 8)]);
    const first = pool.complete(req); // slow gets one long request
    await tick(1);
    for (let i = 0; i < 10; i++) await pool.complete(req); // one at a time: fast has 0 in flight, slow has 1
    await first;
    expect(slow.calls).toBe(1);
    expect(fast.calls).toBe(10);
  });

  it('never exceeds an endpoint limit, queues the rest, and uses the full capacity', async () => {
    const a = new FakeBackend('a', 10);
    const b = new FakeBackend('b', 10);
    const pool = new EndpointPool([member(a, 3), member(b, 2)], { adaptive: false });
    await Promise.all(Array.from({ length: 50 }, () => pool.complete(req)));
    expect(a.maxInFlight).toBe(3);
    expect(b.maxInFlight).toBe(2);
    expect(a.calls + b.calls).toBe(50);
    expect(a.calls).toBeGreaterThan(b.calls);
  });

  it('fails over a retriable failure to another endpoint, then skips the failing endpoint for a cool-down', async () => {
    let now = 0;
    const bad = new FakeBackend('bad');
    bad.fail = () => new RetriableError('HTTP 503');
    const good = new FakeBackend('good');
    let failovers = 0;
    const pool = new EndpointPool([member(bad, 4), member(good, 4)], { failureThreshold: 2, cooldownMs: 10_000, now: () => now, onFailover: () => (failovers += 1) });
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await pool.complete(req));
    expect(results.every((r) => r.text === 'good')).toBe(true);
    expect(bad.calls).toBe(2); // then cooled down
    expect(failovers).toBe(2);
    expect(pool.snapshot()[0].coolingDown).toBe(true);
    now = 10_001; // cool-down over: tried again, and one more failure cools it again
    await pool.complete(req);
    await pool.complete(req);
    expect(bad.calls).toBe(3);
  });

  it('never skips a lone endpoint: there is nowhere else to go, and the retry policy spaces the attempts', async () => {
    const only = new FakeBackend('only');
    only.fail = () => new RetriableError('HTTP 503');
    const pool = new EndpointPool([member(only, 4)], { failureThreshold: 2, cooldownMs: 60_000 });
    for (let i = 0; i < 4; i++) await expect(pool.complete(req)).rejects.toThrow('HTTP 503');
    expect(only.calls).toBe(4);
    expect(pool.snapshot()[0].coolingDown).toBe(false);
  });

  it('gives up with the last RetriableError when every endpoint failed', async () => {
    const a = new FakeBackend('a');
    const b = new FakeBackend('b');
    a.fail = b.fail = () => new RetriableError('HTTP 500');
    await expect(new EndpointPool([member(a, 2), member(b, 2)]).complete(req)).rejects.toThrow(RetriableError);
    expect(a.calls + b.calls).toBe(2);
  });

  it.each([
    ['ConfigError', () => new ConfigError('bad key')],
    ['PoisonRecordError', () => new PoisonRecordError('llm.bad-request', 'too long')],
  ])('does not fail over a %s (not the endpoint health)', async (_name, make) => {
    const a = new FakeBackend('a');
    const b = new FakeBackend('b');
    a.fail = make;
    await expect(new EndpointPool([member(a, 2), member(b, 2)]).complete(req)).rejects.toThrow(make().message);
    expect(b.calls).toBe(0);
  });

  it('an aborted waiting request leaves the queue', async () => {
    const a = new FakeBackend('a', 50);
    const pool = new EndpointPool([member(a, 1)]);
    const running = pool.complete(req);
    const controller = new AbortController();
    const waiting = pool.complete({ ...req, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toThrow(/aborted/);
    await running;
    expect(a.calls).toBe(1);
  });

  it('halves an endpoint limit on overload (a retriable failure) and lets it grow back (adaptive)', async () => {
    const a = new FakeBackend('a', 1);
    const pool = new EndpointPool([member(a, 8)]);
    a.fail = () => new RetriableError('HTTP 429');
    await expect(pool.complete(req)).rejects.toThrow(RetriableError);
    a.fail = undefined;
    expect(pool.snapshot()[0].limit).toBe(4);
    await Promise.all(Array.from({ length: 60 }, () => pool.complete(req)));
    expect(pool.snapshot()[0].limit).toBe(8);
  });

  it('against a server that refuses beyond its capacity, AIMD brings the limit down to it', async () => {
    const server = await startFakeOpenAiServer({ latencyMs: 20, capacity: 4, overCapacity: 'reject429' });
    const backend = new OpenAiBackend({ baseUrl: server.url, model: 'm' });
    const pool = new EndpointPool([{ name: 's', backend, maxConcurrency: 32 }], { overloadHoldMs: 30 });
    // Each refused request is tried again as a stage retries its record (short waits: the server is local).
    const policy = { ...DEFAULT_RETRY_POLICY, retries: 20, backoff: { initialMs: 5, maxMs: 100 } };
    try {
      await Promise.all(Array.from({ length: 120 }, () => retrying(() => pool.complete(req), policy)));
      expect(pool.snapshot()[0].limit).toBeLessThanOrEqual(8);
      expect(server.stats.served).toBe(120);
    } finally {
      await server.close();
    }
  });
});

describe('AdaptiveLimit', () => {
  it('adds one per window of successes, halves on overload once per hold period, stays within bounds', () => {
    let now = 0;
    const l = new AdaptiveLimit({ max: 10, min: 2, initial: 4, holdMs: 100, now: () => now });
    for (let i = 0; i < 4; i++) l.onSuccess();
    expect(l.limit).toBe(4); // 4 + 4 * (1/4.x) just under 5
    l.onSuccess();
    expect(l.limit).toBe(5);
    expect(l.onOverload()).toBe(true);
    expect(l.limit).toBe(2);
    expect(l.onOverload()).toBe(false); // same overload moment
    now = 1_000;
    l.onOverload();
    expect(l.limit).toBe(2); // min
    for (let i = 0; i < 500; i++) l.onSuccess();
    expect(l.limit).toBe(10); // max
  });
});
