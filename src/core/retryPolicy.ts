import { KafkaJSError } from 'kafkajs';
import { Observable, asyncScheduler, lastValueFrom, type SchedulerLike, type Subscription } from 'rxjs';
import { backoffDelay, type BackoffOptions } from './backoff';
import { ConfigError, InfrastructureError, PoisonRecordError, errorMessage, isRetriable } from './errors';

/**
 * The engine's one retry policy (README "Retries"). Every failure of a record's work falls in one class:
 *  - `poison`: the record can never succeed (undecodable, refused by the LLM server, unscorable):
 *    dead-lettered at once with its reason;
 *  - `bug`: a non-retriable error (TypeError, RangeError...): dead-lettered at once, never retried;
 *  - `config`: the set-up is wrong (bad API key, registry refuses our credentials): the stage stops
 *    with the fix, since every record would fail alike;
 *  - `transient`: the LLM server or another service failed this attempt (429, 5xx, timeout, reset,
 *    malformed answer): the record's whole work is tried again, at most `retries` more times (the
 *    stage's `retries`, default 3: 4 attempts), after a full-jitter backoff (a random wait up to 1 s,
 *    2 s, 4 s... capped at 30 s) or the server's Retry-After if longer (capped too); then dead-lettered
 *    as `stage.retries-exhausted`. Nothing else retries: the LLM clients make one request per call;
 *  - `infrastructure`: the broker or the schema registry is unreachable: not the record's fault and
 *    not charged to it: retried with backoff (up to 30 s apart) until it passes or the stage stops,
 *    never dead-lettered (the dead-letter topic lives on the same broker). A single call outside a
 *    record's work (a command reading offsets, starting a stage, a stage's last commit) has BROKER_CALL_POLICY instead:
 *    about 20 s for a leader election or a coordinator move to settle, then the broker's error;
 *  - `aborted`: the stage is stopping: the record is left for the next owner (not committed).
 */
export type FailureClass = 'poison' | 'bug' | 'config' | 'transient' | 'infrastructure' | 'aborted';

export function failureClass(err: unknown): FailureClass {
  if (err instanceof PoisonRecordError) return 'poison';
  if (err instanceof ConfigError) return 'config';
  if (err instanceof Error && err.name === 'AbortError') return 'aborted';
  if (err instanceof InfrastructureError || err instanceof KafkaJSError) return 'infrastructure';
  return isRetriable(err) ? 'transient' : 'bug';
}

export interface RetryPolicy {
  /** Attempts after the first one for a transient failure (the stage's `retries`). */
  retries: number;
  /** Waits between attempts of one record. */
  backoff: BackoffOptions;
  /** Waits while the broker or the registry is unreachable. */
  infrastructure: BackoffOptions;
  /** Waits for infrastructure at most (then the call fails with its error); unbounded when unset. */
  infrastructureRetries?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 3,
  backoff: { initialMs: 1000, maxMs: 30_000 },
  infrastructure: { initialMs: 200, maxMs: 30_000 },
};

/**
 * One call to the broker outside a record's work: a command reading offsets, a stage's last commit
 * at shutdown. It rides out what a busy single broker does for seconds (a leader election, a
 * coordinator moving: "not the leader for that topic-partition"), up to about 20 s, then fails with
 * the broker's error, so a command against a broker that is down ends instead of waiting forever.
 */
export const BROKER_CALL_POLICY: RetryPolicy = {
  retries: 0,
  backoff: DEFAULT_RETRY_POLICY.backoff,
  infrastructure: { initialMs: 500, maxMs: 5000 },
  infrastructureRetries: 6,
};

/** The policy of a stage with `retries` from its topology entry. */
export function retryPolicy(retries: number, base: RetryPolicy = DEFAULT_RETRY_POLICY): RetryPolicy {
  return { ...base, retries };
}

/** How long to wait before attempt `attempt + 1`: full-jitter backoff, or the server's Retry-After when longer. */
export function retryDelay(attempt: number, err: unknown, backoff: BackoffOptions): number {
  const asked = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const retryAfter = typeof asked === 'number' && Number.isFinite(asked) ? asked : 0;
  return Math.min(backoff.maxMs, Math.max(backoffDelay(attempt, backoff), retryAfter));
}

/** A record's work after the policy ran: its result, or why it gave up (for the dead letter). */
export type Attempted<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; reason: string; message: string; detail?: string; attempts: number };

export interface AttemptHooks {
  /** Called before every wait: transient failures (metrics) and infrastructure ones (logs). */
  onRetry?: (failure: { attempt: number; delayMs: number; error: unknown; infrastructure: boolean }) => void;
  /** Where waits are scheduled (a TestScheduler in marble tests). */
  scheduler?: SchedulerLike;
  /** The stage's stop: no retry starts after it (the record ends with an AbortError). */
  signal?: AbortSignal;
}

/**
 * Runs `work` under the policy, calling it afresh per attempt, and emits one Attempted: the value,
 * or the failure to dead-letter. Errors only with what must not be dead-lettered: a ConfigError (stop
 * the stage) or an AbortError (the stage is stopping). Unsubscribing cancels a pending wait. One
 * Observable rather than defer + retry + catchError: it runs for every record, so it stays lean.
 */
export function attempt<T>(work: () => PromiseLike<T> | T, policy: RetryPolicy, hooks: AttemptHooks = {}): Observable<Attempted<T>> {
  return new Observable<Attempted<T>>((subscriber) => {
    let attempts = 1;
    let stalls = 0;
    let wait: Subscription | undefined;
    const done = (a: Attempted<T>): void => {
      subscriber.next(a);
      subscriber.complete();
    };
    const stopped = (): void => subscriber.error(Object.assign(new Error('the stage stopped'), { name: 'AbortError' }));
    const failed = (err: unknown): void => {
      if (subscriber.closed) return;
      if (hooks.signal?.aborted) return stopped();
      const kind = failureClass(err);
      const waitForInfrastructure = kind === 'infrastructure' && stalls < (policy.infrastructureRetries ?? Infinity);
      if (waitForInfrastructure || (kind === 'transient' && attempts <= policy.retries)) {
        const infrastructure = kind === 'infrastructure';
        const delayMs = infrastructure ? retryDelay((stalls += 1), err, policy.infrastructure) : retryDelay(attempts, err, policy.backoff);
        hooks.onRetry?.({ attempt: attempts, delayMs, error: err, infrastructure });
        if (!infrastructure) attempts += 1;
        wait = (hooks.scheduler ?? asyncScheduler).schedule(run, delayMs);
        return;
      }
      if (kind === 'config' || kind === 'aborted') return subscriber.error(err);
      if (err instanceof PoisonRecordError) return done({ ok: false, reason: err.reason, message: err.message, detail: err.detail, attempts });
      if (kind === 'transient') return done({ ok: false, reason: 'stage.retries-exhausted', message: errorMessage(err), attempts });
      if (kind === 'infrastructure') return done({ ok: false, reason: 'infrastructure.unavailable', message: errorMessage(err), attempts });
      done({ ok: false, reason: `stage.${err instanceof Error ? err.name : 'non-error'}`, message: errorMessage(err), attempts });
    };
    function run(): void {
      if (attempts + stalls > 1 && hooks.signal?.aborted) return stopped();
      let result: PromiseLike<T> | T;
      try {
        result = work();
      } catch (err) {
        return failed(err);
      }
      if (isPromiseLike(result)) result.then((value) => subscriber.closed || done({ ok: true, value, attempts }), failed);
      else done({ ok: true, value: result, attempts });
    }
    run();
    return () => wait?.unsubscribe();
  });
}

function isPromiseLike<T>(value: PromiseLike<T> | T): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs `work` under the policy outside a stage (no record to dead-letter: `humpback eval`): its value,
 * or the last error, thrown once the policy gives up (the error classes keep their meaning for the caller).
 */
export async function retrying<T>(work: () => Promise<T>, policy: RetryPolicy, hooks: AttemptHooks = {}): Promise<T> {
  let last: unknown;
  const outcome = await lastValueFrom(
    attempt(
      () =>
        work().catch((err: unknown) => {
          last = err;
          throw err;
        }),
      policy,
      hooks,
    ),
  );
  if (outcome.ok) return outcome.value;
  throw last;
}
