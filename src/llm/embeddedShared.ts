/**
 * One embedded model per process and layout, shared by every stage that asks for the same one
 * (backtranslate and score usually do): the model is loaded once, and requests from both stages fill
 * the same batches. Each stage gets its own handle with its own timeout; the model is closed when
 * the last handle is.
 */
import type { ContinuationLogprobs, ContinuationRequest, LlmBackend, LlmRequest, LlmResponse } from './backend';
import { EmbeddedBackend, type EmbeddedBackendOptions } from './embeddedBackend';

const live = new Map<string, { backend: Promise<EmbeddedBackend>; users: number }>();

export async function acquireEmbedded(opts: EmbeddedBackendOptions): Promise<LlmBackend> {
  const { timeoutMs, logger, ...layout } = opts;
  const key = JSON.stringify(layout, Object.keys(layout).sort());
  let entry = live.get(key);
  if (!entry) {
    const created = { backend: EmbeddedBackend.create(opts), users: 0 };
    created.backend.catch(() => live.get(key) === created && live.delete(key)); // a failed load is not cached
    live.set(key, created);
    entry = created;
  }
  entry.users += 1;
  const shared = entry;
  let backend: EmbeddedBackend;
  try {
    backend = await shared.backend;
  } catch (err) {
    shared.users -= 1;
    throw err;
  }
  let closed = false;
  return {
    id: backend.id,
    constrains: backend.constrains,
    complete: (request: LlmRequest): Promise<LlmResponse> => backend.completeWithin(request, timeoutMs),
    continuationLogprobs: (request: ContinuationRequest): Promise<ContinuationLogprobs> => backend.measureWithin(request, timeoutMs),
    close: async () => {
      if (closed) return;
      closed = true;
      shared.users -= 1;
      if (shared.users > 0) return;
      if (live.get(key) === shared) live.delete(key);
      await backend.close();
    },
  };
}

/** Handles currently open per layout (for tests and status). */
export function embeddedUsers(): number[] {
  return [...live.values()].map((e) => e.users);
}
