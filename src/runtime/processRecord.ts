import { lastValueFrom, of, toArray, type OperatorFunction } from 'rxjs';
import type { StageOutput } from '../stages/stage';
import { backoffDelay, sleep, type BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import { PoisonRecordError, errorMessage, isRetriable } from './errors';

export type RecordOutcome<Out> =
  | { ok: true; outputs: StageOutput<Out>[]; attempts: number }
  | { ok: false; reason: string; message: string; detail?: string; attempts: number };

export interface ProcessOptions {
  /** Retries of a retriable failure before the record is given up on. */
  retries: number;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  onRetry?: (attempt: number, err: unknown) => void;
}

/**
 * Applies a stage operator to one record, retrying retriable failures with backoff. Never throws:
 * a failure becomes an outcome the caller dead-letters, so one bad record cannot stop a stage.
 * Offline mode and the Kafka runner both call this, so they behave the same.
 */
export async function processRecord<In, Out>(
  operator: OperatorFunction<In, StageOutput<Out>>,
  value: In,
  opts: ProcessOptions,
): Promise<RecordOutcome<Out>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const outputs = await lastValueFrom(of(value).pipe(operator, toArray()));
      return { ok: true, outputs, attempts: attempt };
    } catch (err) {
      if (err instanceof PoisonRecordError) {
        return { ok: false, reason: err.reason, message: err.message, detail: err.detail, attempts: attempt };
      }
      if (!isRetriable(err)) {
        const kind = err instanceof Error ? err.name : 'non-error';
        return { ok: false, reason: `stage.${kind}`, message: errorMessage(err), attempts: attempt };
      }
      if (attempt > opts.retries || opts.signal?.aborted) {
        return { ok: false, reason: 'stage.retries-exhausted', message: errorMessage(err), attempts: attempt };
      }
      opts.onRetry?.(attempt, err);
      await sleep(backoffDelay(attempt, opts.backoff ?? DEFAULT_BACKOFF), opts.signal);
    }
  }
}
