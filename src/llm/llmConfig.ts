/**
 * The `llm:` block of an LLM stage in a topology, and its environment overrides.
 * No `endpoints` means the embedded model. Validation errors name the path and the fix.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors';
import { MODELS } from './models';

const httpUrl = z.string().refine((s) => /^https?:\/\/[^\s/]+/.test(s), {
  message: 'must be an http(s) URL',
  params: { hint: 'e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama)' },
});

export const endpointSchema = z.strictObject({
  baseUrl: httpUrl,
  model: z.string().min(1),
  /** Name of the environment variable holding this endpoint's API key (keys never go in topology files). */
  apiKeyEnv: z
    .string()
    .refine((s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s), { message: 'must be an environment variable name', params: { hint: 'e.g. VLLM_API_KEY (the name, not the key)' } })
    .optional(),
  maxConcurrency: z.number().int().min(1).max(1024).default(8),
});

export const embeddedSchema = z.strictObject({
  /** A model of the catalogue (`humpback model list`), fetched into the cache on first use; default: the default model. */
  model: z
    .string()
    .refine((name) => MODELS.some((m) => m.name === name), { message: 'unknown embedded model', params: { hint: `one of ${MODELS.map((m) => m.name).join(', ')}, or set modelPath to a .gguf file` } })
    .optional(),
  /** A local GGUF file (wins over `model`). */
  modelPath: z.string().min(1).optional(),
  sequences: z.number().int().min(1).max(64).default(4),
  /** Tokens per sequence (prompt + answer). */
  contextSize: z.number().int().min(256).max(131_072).default(4096),
  contexts: z.number().int().min(1).max(32).default(1),
  threads: z.number().int().min(1).max(256).optional(),
});

/** A completion of a few thousand tokens is tens of KB of JSON; far more is a broken or hostile server. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export const llmConfigSchema = z.strictObject({
  endpoints: z.array(endpointSchema).min(1).optional(),
  api: z.enum(['chat', 'completions']).default('chat'),
  /** Per attempt, from sending the request to the last byte of the answer (headers alone do not count). */
  timeoutMs: z.number().int().min(100).default(120_000),
  /** An answer body over this many bytes (after decompression) is cut off and the attempt retried. */
  maxResponseBytes: z.number().int().min(65_536).default(DEFAULT_MAX_RESPONSE_BYTES),
  /** No longer used (a topology that sets it stays valid): the stage's `retries` bound every record's attempts. */
  retries: z.number().int().min(0).max(20).optional(),
  adaptiveConcurrency: z.boolean().default(true),
  embedded: embeddedSchema.prefault({}),
});

export type LlmConfig = z.output<typeof llmConfigSchema>;
export type LlmConfigInput = z.input<typeof llmConfigSchema>;
export type EndpointConfig = z.output<typeof endpointSchema>;

/** Validates an `llm:` block; the ConfigError lists every problem as `path: problem (fix)`. */
export function parseLlmConfig(input: unknown, basePath = 'llm'): LlmConfig {
  const result = llmConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const keys = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const where = formatPath(basePath, keys);
    const hint = (issue as { params?: { hint?: unknown } }).params?.hint;
    if (issue.code === 'unrecognized_keys') {
      const secret = issue.keys.some((k) => /key|token|secret/i.test(k) && k !== 'apiKeyEnv');
      const fix = secret ? 'keys stay out of topology files: export the key and name the variable in apiKeyEnv' : `allowed here: ${allowedKeys(keys).join(', ')}`;
      return `${where}: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')} (${fix})`;
    }
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${where}: missing (add ${String(keys[keys.length - 1])}: <${issue.expected}>)`;
    return `${where}: ${issue.message}${typeof hint === 'string' ? ` (${hint})` : ''}`;
  });
  throw new ConfigError(`invalid LLM configuration:\n  ${lines.join('\n  ')}`, { context: { path: basePath } });
}

function allowedKeys(path: ReadonlyArray<string | number>): string[] {
  const shape = path[0] === 'endpoints' ? endpointSchema.shape : path[0] === 'embedded' ? embeddedSchema.shape : llmConfigSchema.shape;
  return Object.keys(shape);
}

export function formatPath(base: string, keys: ReadonlyArray<string | number>): string {
  return keys.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k), base);
}

/**
 * HUMPBACK_LLM_BASE_URL (comma-separated for several endpoints), HUMPBACK_LLM_MODEL and
 * HUMPBACK_LLM_API_KEY override the topology, so one topology runs against any server.
 */
export function applyEnvOverrides(config: LlmConfig, env: NodeJS.ProcessEnv = process.env): LlmConfig {
  const urls = (env.HUMPBACK_LLM_BASE_URL ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const model = env.HUMPBACK_LLM_MODEL?.trim();
  if (urls.length === 0) {
    if (!model || !config.endpoints) return config;
    return { ...config, endpoints: config.endpoints.map((e) => ({ ...e, model })) };
  }
  const chosen = model ?? config.endpoints?.[0]?.model;
  if (!chosen) throw new ConfigError('HUMPBACK_LLM_BASE_URL is set but no model is named: set HUMPBACK_LLM_MODEL (e.g. the name GET <baseUrl>/models lists)');
  const template = config.endpoints?.[0];
  const endpoints = urls.map((baseUrl, i) => {
    const parsed = endpointSchema.safeParse({ baseUrl, model: chosen, maxConcurrency: template?.maxConcurrency, apiKeyEnv: template?.apiKeyEnv });
    if (!parsed.success) throw new ConfigError(`HUMPBACK_LLM_BASE_URL entry ${i + 1} "${baseUrl}" is not an http(s) URL: e.g. http://127.0.0.1:8000/v1`);
    return parsed.data;
  });
  return { ...config, endpoints };
}

/** A model chosen on the command line: a catalogue name or a .gguf path. */
export interface EmbeddedModelChoice {
  name?: string;
  path?: string;
}

/** An `llm:` block (parsed or as written) with its embedded model replaced; the path wins over a name. */
export function withEmbeddedModel<T extends { embedded?: object }>(llm: T, choice: EmbeddedModelChoice | undefined): T {
  if (!choice) return llm;
  const pick = choice.path ? { modelPath: choice.path, model: undefined } : { model: choice.name, modelPath: undefined };
  return { ...llm, embedded: { ...llm.embedded, ...pick } };
}
