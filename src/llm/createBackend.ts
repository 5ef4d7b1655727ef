/**
 * Builds the LlmBackend an LLM stage uses from its `llm:` block: OpenAI-compatible endpoints behind
 * an EndpointPool, or (no endpoints) the embedded model, fetched into the cache on first use and
 * shared by all stages of the process that use the same model and layout.
 */
import type { LlmBackend } from './backend';
import { acquireEmbedded } from './embeddedShared';
import { EndpointPool, type PoolMember } from './endpointPool';
import { applyEnvOverrides, type EndpointConfig, type LlmConfig } from './llmConfig';
import { resolveModelPath, type FetchOptions } from './modelFetch';
import { modelByName } from './models';
import { OpenAiBackend } from './openaiBackend';
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/logger';

export { llmConfigSchema, parseLlmConfig, type LlmConfig, type LlmConfigInput } from './llmConfig';

export interface CreateBackendOptions {
  env?: NodeJS.ProcessEnv;
  /** Passed to the model fetch when the embedded default model is not in the cache yet. */
  fetch?: FetchOptions;
  /** Called when a request failed on one endpoint and goes to another of the pool (metrics). */
  onFailover?: () => void;
}

export async function createBackend(config: LlmConfig, logger: Logger, opts: CreateBackendOptions = {}): Promise<LlmBackend> {
  const env = opts.env ?? process.env;
  const cfg = applyEnvOverrides(config, env);
  if (cfg.retries !== undefined) logger.warn('llm.retries is ignored: the stage\'s retries apply to every attempt of a record (README "Retries")', { retries: cfg.retries });
  if (cfg.endpoints) return createPool(cfg, cfg.endpoints, env, logger, opts.onFailover);
  const spec = cfg.embedded.model ? modelByName(cfg.embedded.model) : undefined;
  const modelPath = await resolveModelPath(cfg.embedded.modelPath, { ...opts.fetch, ...(spec ? { spec } : {}) });
  return acquireEmbedded({ ...cfg.embedded, modelPath, timeoutMs: cfg.timeoutMs, logger: logger.child({ component: 'llm' }) });
}

function createPool(cfg: LlmConfig, endpoints: readonly EndpointConfig[], env: NodeJS.ProcessEnv, logger: Logger, onFailover?: () => void): EndpointPool {
  const log = logger.child({ component: 'llm' });
  const members: PoolMember[] = endpoints.map((e, i) => {
    const name = `endpoints[${i}]`;
    const key = resolveKey(e, i, env);
    const backend = new OpenAiBackend({
      baseUrl: e.baseUrl,
      model: e.model,
      api: cfg.api,
      apiKey: key.apiKey,
      keySource: key.source,
      timeoutMs: cfg.timeoutMs,
      maxResponseBytes: cfg.maxResponseBytes,
      logger: log,
    });
    return { name, backend, maxConcurrency: e.maxConcurrency };
  });
  const pool = new EndpointPool(members, { adaptive: cfg.adaptiveConcurrency, logger: log, onFailover });
  log.info('llm endpoints', { api: cfg.api, endpoints: endpoints.map((e) => `${e.baseUrl}#${e.model}(max ${e.maxConcurrency})`).join(', ') });
  return pool;
}

/** The key comes from the environment only (named by apiKeyEnv, else HUMPBACK_LLM_API_KEY, else OPENAI_API_KEY). */
function resolveKey(e: EndpointConfig, i: number, env: NodeJS.ProcessEnv): { apiKey?: string; source: string } {
  if (e.apiKeyEnv) {
    const value = env[e.apiKeyEnv];
    if (!value) throw new ConfigError(`llm.endpoints[${i}].apiKeyEnv names ${e.apiKeyEnv}, which is not set: export ${e.apiKeyEnv}=<key> before starting the stage`);
    return { apiKey: value, source: `env ${e.apiKeyEnv}` };
  }
  if (env.HUMPBACK_LLM_API_KEY) return { apiKey: env.HUMPBACK_LLM_API_KEY, source: 'env HUMPBACK_LLM_API_KEY' };
  if (env.OPENAI_API_KEY) return { apiKey: env.OPENAI_API_KEY, source: 'env OPENAI_API_KEY' };
  return { source: `HUMPBACK_LLM_API_KEY, OPENAI_API_KEY or llm.endpoints[${i}].apiKeyEnv (none is set)` };
}
