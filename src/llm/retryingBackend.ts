import type { ContinuationLogprobs, ContinuationRequest, LlmBackend, LlmResponse } from './backend';
import { retrying, type RetryPolicy } from '../core/retryPolicy';

/**
 * A backend whose every call runs under the retry policy, for callers that are not stages (a stage
 * retries the whole record instead): `humpback eval` rates thousands of pairs and one 503 must not end it.
 */
export function retryingBackend(backend: LlmBackend, policy: RetryPolicy): LlmBackend {
  const measure = backend.continuationLogprobs?.bind(backend);
  return {
    id: backend.id,
    constrains: backend.constrains,
    close: () => backend.close(),
    complete: (request): Promise<LlmResponse> => retrying(() => backend.complete(request), policy, { signal: request.signal }),
    ...(measure ? { continuationLogprobs: (request: ContinuationRequest): Promise<ContinuationLogprobs> => retrying(() => measure(request), policy, { signal: request.signal }) } : {}),
  };
}
