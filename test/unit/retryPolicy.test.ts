import { TestScheduler } from 'rxjs/testing';
import { ConfigError, InfrastructureError, PoisonRecordError, RetriableError } from '../../src/core/errors';
import { KafkaJSProtocolError } from 'kafkajs';
import { BROKER_CALL_POLICY, attempt, failureClass, retrying, type RetryPolicy } from '../../src/core/retryPolicy';

/** Waits at the top of their jitter range (random() = 1): 10, 20, 40, 80 ms, capped at 100. */
const POLICY: RetryPolicy = {
  retries: 3,
  backoff: { initialMs: 10, maxMs: 100, random: () => 1 },
  infrastructure: { initialMs: 5, maxMs: 100, random: () => 1 },
};

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Work that fails with the given errors in turn, then returns 'done'; logs the virtual time of each call. */
function script(ts: TestScheduler, ...failures: Error[]): { work: () => string; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    work: () => {
      calls.push(ts.now());
      const next = failures.shift();
      if (next !== undefined) throw next;
      return 'done';
    },
  };
}

describe('the retry policy', () => {
  it('classifies every failure', () => {
    expect(failureClass(new PoisonRecordError('decode.bad', 'x'))).toBe('poison');
    expect(failureClass(new ConfigError('x'))).toBe('config');
    expect(failureClass(new InfrastructureError('broker down'))).toBe('infrastructure');
    expect(failureClass(new RetriableError('503'))).toBe('transient');
    expect(failureClass(new TypeError('x is undefined'))).toBe('bug');
    expect(failureClass(Object.assign(new Error('stopping'), { name: 'AbortError' }))).toBe('aborted');
  });

  it('retries a transient failure `retries` times with backoff, then gives up as stage.retries-exhausted', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const s = script(ts, ...Array.from({ length: 10 }, () => new RetriableError('503 Service Unavailable')));
      const failed = { ok: false, reason: 'stage.retries-exhausted', message: '503 Service Unavailable', attempts: 4 };
      expectObservable(attempt(s.work, POLICY)).toBe('70ms (x|)', { x: failed });
      ts.flush();
      expect(s.calls).toEqual([0, 10, 30, 70]); // 1 + retries attempts, 10, 20, 40 ms apart
    });
  });

  it('succeeds on a later attempt and says which', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const s = script(ts, new RetriableError('reset'), new RetriableError('reset'));
      expectObservable(attempt(s.work, POLICY)).toBe('30ms (x|)', { x: { ok: true, value: 'done', attempts: 3 } });
    });
  });

  it("waits the server's Retry-After when it is longer than the backoff, within the cap", () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const later = (ms: number) => Object.assign(new RetriableError('429'), { retryAfterMs: ms });
      const s = script(ts, later(50), later(5_000));
      expectObservable(attempt(s.work, POLICY)).toBe('150ms (x|)', { x: { ok: true, value: 'done', attempts: 3 } });
    });
  });

  it('dead-letters a poison record and a bug at once, never retrying them', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const poison = script(ts, new PoisonRecordError('llm.rejected', 'refused', { detail: 'raw answer' }));
      expectObservable(attempt(poison.work, POLICY)).toBe('(x|)', { x: { ok: false, reason: 'llm.rejected', message: 'refused', detail: 'raw answer', attempts: 1 } });
      const bug = script(ts, new TypeError('x is undefined'));
      expectObservable(attempt(bug.work, POLICY)).toBe('(x|)', { x: { ok: false, reason: 'stage.TypeError', message: 'x is undefined', attempts: 1 } });
    });
  });

  it('waits out infrastructure failures without charging them to the record', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const down = () => new InfrastructureError('broker unreachable');
      const s = script(ts, down(), down(), down(), down(), down(), new RetriableError('503'));
      // 5 + 10 + 20 + 40 + 80 ms of outage, then one transient failure (10 ms), then success.
      expectObservable(attempt(s.work, POLICY)).toBe('165ms (x|)', { x: { ok: true, value: 'done', attempts: 2 } });
    });
  });

  it('bounds the waits for infrastructure when the policy says so (a one-off broker call), then gives the error back', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const notLeader = () => new KafkaJSProtocolError('This server is not the leader for that topic-partition');
      const s = script(ts, ...Array.from({ length: 10 }, notLeader));
      const failed = { ok: false, reason: 'infrastructure.unavailable', message: 'This server is not the leader for that topic-partition', attempts: 1 };
      expectObservable(attempt(s.work, { ...POLICY, infrastructureRetries: 3 })).toBe('35ms (x|)', { x: failed });
      ts.flush();
      expect(s.calls).toEqual([0, 5, 15, 35]); // 1 + 3 calls, 5, 10, 20 ms apart
    });
  });

  it('BROKER_CALL_POLICY: a broker call that fails twice with a leader election succeeds; one that keeps failing throws its error', async () => {
    const fast: RetryPolicy = { ...BROKER_CALL_POLICY, infrastructure: { initialMs: 1, maxMs: 1 } };
    let calls = 0;
    const flaky = async (): Promise<string> => {
      calls += 1;
      if (calls <= 2) throw new KafkaJSProtocolError('This server is not the leader for that topic-partition');
      return 'offsets';
    };
    await expect(retrying(flaky, fast)).resolves.toBe('offsets');
    expect(calls).toBe(3);
    calls = 0;
    const down = async (): Promise<string> => {
      calls += 1;
      throw new KafkaJSProtocolError('Connection refused');
    };
    await expect(retrying(down, fast)).rejects.toThrow('Connection refused');
    expect(calls).toBe(1 + (BROKER_CALL_POLICY.infrastructureRetries ?? NaN));
  });

  it('stops the stage on a configuration error instead of dead-lettering', () => {
    scheduler().run(({ expectObservable }) => {
      const err = new ConfigError('bad API key');
      const work = (): string => {
        throw err;
      };
      expectObservable(attempt(work, POLICY)).toBe('#', undefined, err);
    });
  });

  it('starts no retry once the stage stops: the record ends with an AbortError, uncommitted', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const stop = new AbortController();
      ts.schedule(() => stop.abort(), 5);
      const s = script(ts, new RetriableError('503'), new RetriableError('503'));
      expectObservable(attempt(s.work, POLICY, { signal: stop.signal, scheduler: ts })).toBe('10ms #', undefined, expect.objectContaining({ name: 'AbortError' }));
    });
  });
});
