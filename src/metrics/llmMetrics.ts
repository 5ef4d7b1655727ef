import type { Registry } from 'prom-client';
import type { LlmBackend, LlmResponse } from '../llm/backend';
import { ConfigError, PoisonRecordError } from '../runtime/errors';
import { counterIn, gaugeIn, histogramIn } from './define';
import { METRIC } from './names';

/** How a failed LLM call ended, as a bounded label: the record's fault, the set-up's, or the server's after retries. */
function errorKind(err: unknown): string | undefined {
  if (err instanceof Error && err.name === 'AbortError') return undefined; // we stopped it: not an error
  if (err instanceof PoisonRecordError) return 'rejected';
  if (err instanceof ConfigError) return 'config';
  return 'failed-after-retries';
}

/** The backend with its calls counted: in flight, latency by outcome, errors by kind, tokens in and out. */
export function instrumentLlm(backend: LlmBackend, registry: Registry, stage: string): LlmBackend {
  const inFlight = gaugeIn(registry, METRIC.llmInFlight);
  const seconds = histogramIn(registry, METRIC.llmRequestSeconds);
  const errors = counterIn(registry, METRIC.llmErrors);
  const tokens = counterIn(registry, METRIC.llmTokens);
  inFlight.set({ stage }, 0);
  return {
    id: backend.id,
    constrains: backend.constrains,
    close: () => backend.close(),
    async complete(request): Promise<LlmResponse> {
      const started = performance.now();
      inFlight.inc({ stage });
      try {
        const res = await backend.complete(request);
        seconds.observe({ stage, outcome: 'ok' }, (performance.now() - started) / 1000);
        tokens.inc({ stage, direction: 'in' }, res.tokensIn);
        tokens.inc({ stage, direction: 'out' }, res.tokensOut);
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
    },
  };
}

/** Counts the retries a backend does inside one call (429, 5xx, timeouts, resets). */
export function llmRetryCounter(registry: Registry, stage: string): () => void {
  const retries = counterIn(registry, METRIC.llmRetries);
  return () => retries.inc({ stage });
}
