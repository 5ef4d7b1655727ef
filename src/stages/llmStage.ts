import { setMaxListeners } from 'node:events';
import type { LlmBackend } from '../llm/backend';
import { createBackend, type LlmConfig } from '../llm/createBackend';
import { errorMessage } from '../core/errors';
import type { StageContext } from './stage';
import { instrumentLlm, llmFailoverCounter } from '../metrics/llmMetrics';

/** Helpers shared by the LLM stages (backtranslate, score). */

/** A sampling seed from a content key: same work, same seed, so backends that honour seeds replay alike. */
export function seedOf(key: string, attempt = 0): number {
  return (parseInt(key.slice(0, 8), 16) + attempt) % 2 ** 31;
}

/**
 * The model part of output keys: the model name without the endpoint that served it. Backend ids
 * carry the URL (`openai:http://host:8000/v1#Qwen2.5-7B`, `pool:...|...`), and a key that changed
 * when a replica points at another server, or when servers are added, would redo all the work.
 * Embedded `embedded:gemma-3-270m-q4_k_m` gives `gemma-3-270m-q4_k_m`.
 */
export function modelIdOf(backendId: string): string {
  const members = backendId.startsWith('pool:') ? backendId.slice('pool:'.length).split('|') : [backendId];
  const names = members.map((id) => {
    const hash = id.lastIndexOf('#');
    if (id.startsWith('openai:') && hash >= 0) return id.slice(hash + 1);
    return id.replace(/^embedded:/, '');
  });
  return [...new Set(names)].sort().join('|');
}

/**
 * Creates the stage's backend, closed when the stage stops, and the signal its requests carry.
 * Every in-flight request listens on that signal (the client and the pool each add a listener), so
 * a stage with concurrency 8 passes Node's default of 10 listeners: the stage's own signal allows more.
 */
export async function openBackend(llm: LlmConfig, ctx: StageContext): Promise<{ backend: LlmBackend; signal: AbortSignal }> {
  const backend = instrumentLlm(await createBackend(llm, ctx.logger, { onFailover: llmFailoverCounter(ctx.registry, ctx.stage) }), ctx.registry, ctx.stage);
  const stop = new AbortController();
  setMaxListeners(10_000, stop.signal);
  ctx.signal.addEventListener(
    'abort',
    () => {
      stop.abort();
      void backend.close().catch((err: unknown) => ctx.logger.warn('closing the LLM backend failed', { error: errorMessage(err) }));
    },
    { once: true },
  );
  return { backend, signal: stop.signal };
}
