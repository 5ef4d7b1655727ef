import type { Registry } from 'prom-client';
import type { ContinuationLogprobs, ContinuationRequest, LlmBackend, LlmResponse } from '../llm/backend';
import { ConfigError, PoisonRecordError } from '../core/errors';
import { counterIn, gaugeIn, histogramIn } from './define';
import { METRIC } from './names';

/** How a failed LLM call ended, as a bounded label: the record's fault, the set-up's, or a passing failure of the server (the retry policy tries again). */
function errorKind(err: unknown): string | undefined {
  if (err instanceof Error && err.name === 'AbortError') return undefined; // we stopped it: not an error
  if (err instanceof PoisonRecordError) return 'rejected';
  if (err instanceof ConfigError) return 'config';
  return 'transient';
}

/** The backend with its calls counted: in flight, latency by outcome, errors by kind, tokens in and out. */
export function instrumentLlm(backend: LlmBackend, registry: Registry, stage: string): LlmBackend {
  const inFlight = gaugeIn(registry, METRIC.llmInFlight);
  const seconds = histogramIn(registry, METRIC.llmRequestSeconds);
  const errors = counterIn(registry, METRIC.llmErrors);
  const tokens = counterIn(registry, METRIC.llmTokens);
  inFlight.set({ stage }, 0);
  /** One call counted: in flight while it runs, its latency by outcome, its tokens, its error kind. */
  async function counted<T>(call: () => Promise<T>, tokensOf: (res: T) => { in: number; out: number }): Promise<T> {
    const started = performance.now();
    inFlight.inc({ stage });
    try {
      const res = await call();
      seconds.observe({ stage, outcome: 'ok' }, (performance.now() - started) / 1000);
      const used = tokensOf(res);
      tokens.inc({ stage, direction: 'in' }, used.in);
      tokens.inc({ stage, direction: 'out' }, used.out);
      return res;
    } catch (err) {
      const kind = errorKind(err);
      if (kind) {
        seconds.observe({ stage, outcome: 'error' }, (performance.now() - started) / 1000);
        errors.inc({ stage, kind });
      }
      throw err;
    } finally {
      inFlight.dec({ stage });
    }
  }
  const measure = backend.continuationLogprobs?.bind(backend);
  return {
    id: backend.id,
    constrains: backend.constrains,
    close: () => backend.close(),
    complete: (request): Promise<LlmResponse> => counted(() => backend.complete(request), (res) => ({ in: res.tokensIn, out: res.tokensOut })),
    ...(measure
      ? { continuationLogprobs: (request: ContinuationRequest): Promise<ContinuationLogprobs> => counted(() => measure(request), (res) => ({ in: res.tokensIn, out: 0 })) }
      : {}),
  };
}

/** Counts requests sent to another endpoint of the pool after a retriable failure. */
export function llmFailoverCounter(registry: Registry, stage: string): () => void {
  const retries = counterIn(registry, METRIC.llmRetries);
  return () => retries.inc({ stage });
}
