/**
 * Several inference endpoints behind one LlmBackend. A request goes to the available endpoint with
 * the fewest requests in flight (ties round-robin); each endpoint has a concurrency limit (adaptive
 * AIMD by default, never above its configured maximum; every retriable failure is an overload signal)
 * and waiting requests queue FIFO. With several endpoints, one that fails `failureThreshold` times in
 * a row is skipped for `cooldownMs`, and a request that failed retriably on one endpoint is sent once
 * to each other endpoint (a failover, not a retry: each endpoint sees it once per call). A lone
 * endpoint is never skipped: there is nowhere else to go, and the retry policy already spaces attempts.
 */
import type { LlmBackend, LlmRequest, LlmResponse } from './backend';
import { AdaptiveLimit } from './adaptiveLimit';
import { isRetriable } from '../core/errors';
import type { Logger } from '../core/logger';

export interface PoolMember {
  name: string;
  backend: LlmBackend;
  maxConcurrency: number;
}

export interface PoolOptions {
  adaptive?: boolean;
  failureThreshold?: number;
  cooldownMs?: number;
  /** Overload signals this close to a cut count as the same overload (AdaptiveLimit holdMs). */
  overloadHoldMs?: number;
  now?: () => number;
  logger?: Logger;
  /** Called when a request that failed on one endpoint is sent to another (metrics). */
  onFailover?: () => void;
}

interface EndpointState {
  member: PoolMember;
  limit: AdaptiveLimit;
  inFlight: number;
  failures: number;
  coolUntil: number;
  served: number;
}

interface Waiter {
  exclude: ReadonlySet<number>;
  grant(i: number): void;
}

export class EndpointPool implements LlmBackend {
  readonly id: string;
  readonly constrains: boolean;
  private readonly states: EndpointState[];
  private readonly waiters: Waiter[] = [];
  private rr = 0;
  private timer?: NodeJS.Timeout;

  constructor(members: readonly PoolMember[], private readonly opts: PoolOptions = {}) {
    if (members.length === 0) throw new RangeError('an endpoint pool needs at least one endpoint');
    const ids = [...new Set(members.map((m) => m.backend.id))];
    this.id = ids.length === 1 ? ids[0] : `pool:${ids.join('|')}`;
    this.constrains = members.every((m) => m.backend.constrains);
    this.states = members.map((member) => ({
      member,
      limit: new AdaptiveLimit({ max: member.maxConcurrency, holdMs: opts.overloadHoldMs, now: opts.now }),
      inFlight: 0,
      failures: 0,
      coolUntil: 0,
      served: 0,
    }));
  }

  /** Per-endpoint view for metrics and tests. */
  snapshot(): Array<{ name: string; inFlight: number; limit: number; served: number; coolingDown: boolean }> {
    return this.states.map((s) => ({ name: s.member.name, inFlight: s.inFlight, limit: this.limitOf(s), served: s.served, coolingDown: s.coolUntil > this.now() }));
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const tried = new Set<number>();
    for (;;) {
      const i = await this.acquire(tried, request.signal);
      const s = this.states[i];
      try {
        const res = await s.member.backend.complete(request);
        s.failures = 0;
        s.served += 1;
        if (this.opts.adaptive !== false) s.limit.onSuccess();
        return res;
      } catch (err) {
        if (!isRetriable(err)) throw err; // config errors, poison records, aborts: not the endpoint's health
        this.recordFailure(s);
        tried.add(i);
        if (tried.size >= this.states.length || request.signal?.aborted) throw err;
        this.opts.onFailover?.();
      } finally {
        s.inFlight -= 1;
        this.pump();
      }
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.all(this.states.map((s) => s.member.backend.close()));
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private limitOf(s: EndpointState): number {
    return this.opts.adaptive === false ? s.member.maxConcurrency : s.limit.limit;
  }

  private recordFailure(s: EndpointState): void {
    s.failures += 1;
    if (this.opts.adaptive !== false && s.limit.onOverload()) this.opts.logger?.debug('llm endpoint limit cut', { endpoint: s.member.name, limit: s.limit.limit });
    if (this.states.length > 1 && s.failures >= (this.opts.failureThreshold ?? 3)) {
      s.coolUntil = this.now() + (this.opts.cooldownMs ?? 30_000);
      s.failures = (this.opts.failureThreshold ?? 3) - 1; // after the cool-down, one more failure cools it again
      this.opts.logger?.warn('llm endpoint keeps failing; skipping it for a while', { endpoint: s.member.name, cooldownMs: this.opts.cooldownMs ?? 30_000 });
    }
  }

  private acquire(exclude: ReadonlySet<number>, signal?: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        exclude,
        grant: (i) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(i);
        },
      };
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(Object.assign(new Error('LLM request aborted'), { name: 'AbortError' }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Grants free slots to waiters in FIFO order; schedules a wake-up at the end of a cool-down. */
  private pump(): void {
    const none: ReadonlySet<number> = new Set();
    for (let w = 0; w < this.waiters.length; ) {
      if (this.pick(none, false) === undefined) break; // no free slot anywhere: stop scanning the queue
      const i = this.pick(this.waiters[w].exclude);
      if (i === undefined) {
        w += 1;
        continue;
      }
      const [waiter] = this.waiters.splice(w, 1);
      this.states[i].inFlight += 1;
      waiter.grant(i);
    }
    const cooling = this.states.filter((s) => s.coolUntil > this.now());
    if (this.waiters.length > 0 && cooling.length > 0 && !this.timer) {
      const wake = Math.min(...cooling.map((s) => s.coolUntil)) - this.now();
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(1, wake));
      this.timer.unref();
    }
  }

  /** Least in flight among available endpoints; ties go round-robin. */
  private pick(exclude: ReadonlySet<number>, advance = true): number | undefined {
    const n = this.states.length;
    const now = this.now();
    let best: number | undefined;
    for (let k = 0; k < n; k++) {
      const i = (this.rr + k) % n;
      const s = this.states[i];
      if (exclude.has(i) || s.coolUntil > now || s.inFlight >= this.limitOf(s)) continue;
      if (best === undefined || s.inFlight < this.states[best].inFlight) best = i;
    }
    if (best !== undefined && advance) this.rr = (best + 1) % n;
    return best;
  }
}
