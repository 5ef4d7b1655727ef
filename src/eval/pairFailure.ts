import { PoisonRecordError } from '../core/errors';
import { failureClass } from '../core/retryPolicy';

/**
 * The counted reason when one pair could not be measured, or undefined when the error must end the
 * eval (configuration, programming errors, a stop). Classified by the engine's retry policy: an
 * unusable answer (poison) is a data point; so is a transient failure that outlived the backend's
 * attempts (an embedded generation past its timeout, a server that kept failing): one slow pair must
 * not throw away an hour of measurements.
 */
export function pairFailure(err: unknown): string | undefined {
  if (err instanceof PoisonRecordError) return err.reason;
  return failureClass(err) === 'transient' ? 'llm.failed' : undefined;
}
