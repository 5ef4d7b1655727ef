/** One record through a stage's projection under the retry policy, as the runtime runs it, without Kafka. */
import { lastValueFrom } from 'rxjs';
import type { BackoffOptions } from '../../src/core/backoff';
import { attempt, DEFAULT_RETRY_POLICY } from '../../src/core/retryPolicy';
import type { Outputs, Projection } from '../../src/runtime/projection';

export type RecordOutcome<Out> = { ok: true; outputs: Outputs<Out>; attempts: number } | { ok: false; reason: string; message: string; detail?: string; attempts: number };

/** Its outputs, or why it would be dead-lettered; `backoff` defaults to 1 ms waits so tests stay fast. */
export async function runRecord<In, Out>(project: Projection<In, Out>, input: In, o: { retries: number; backoff?: BackoffOptions }): Promise<RecordOutcome<Out>> {
  const policy = { ...DEFAULT_RETRY_POLICY, retries: o.retries, backoff: o.backoff ?? { initialMs: 1, maxMs: 1 } };
  const outcome = await lastValueFrom(attempt(async () => project(input), policy));
  if (!outcome.ok) return outcome;
  return { ok: true, outputs: outcome.value, attempts: outcome.attempts };
}
