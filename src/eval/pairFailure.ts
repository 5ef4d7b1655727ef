import { PoisonRecordError, RetriableError } from '../core/errors';

/**
 * The counted reason when one pair could not be measured, or undefined when the error must end the
 * eval (configuration, programming errors). An unusable answer is a data point; so is a passing
 * failure that outlived the backend's own retries (an embedded generation past its timeout, a
 * server that kept failing): one slow pair must not throw away an hour of measurements.
 */
export function pairFailure(err: unknown): string | undefined {
  if (err instanceof PoisonRecordError) return err.reason;
  if (err instanceof RetriableError) return 'llm.failed';
  return undefined;
}
