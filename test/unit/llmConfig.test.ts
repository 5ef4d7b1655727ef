import { createBackend, llmConfigSchema, parseLlmConfig } from '../../src/llm/createBackend';
import { applyEnvOverrides } from '../../src/llm/llmConfig';
import { EndpointPool } from '../../src/llm/endpointPool';
import { ConfigError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { startFakeOpenAiServer } from '../helpers/fakeOpenAiServer';

const silent = createLogger({}, 'error', () => undefined);

describe('llm config: defaults', () => {
  it('no endpoints means the embedded model with 4 sequences', () => {
    expect(parseLlmConfig(undefined)).toEqual({
      api: 'chat',
      timeoutMs: 120_000,
      maxResponseBytes: 8 * 1024 * 1024,
      adaptiveConcurrency: true,
      embedded: { sequences: 4, contextSize: 4096, contexts: 1 },
    });
  });

  it('still accepts the retired llm.retries (a topology valid before stays valid); the stage retries apply', () => {
    expect(parseLlmConfig({ retries: 4 }).retries).toBe(4);
  });

  it('endpoints get a default concurrency limit', () => {
    const cfg = llmConfigSchema.parse({ endpoints: [{ baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen' }] });
    expect(cfg.endpoints).toEqual([{ baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen', maxConcurrency: 8 }]);
  });
});

describe('llm config: every error names its path and the fix', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a base URL that is not http(s)', { endpoints: [{ baseUrl: 'localhost:8000', model: 'm' }] }, /llm\.endpoints\[0\]\.baseUrl: must be an http\(s\) URL \(e\.g\. http:\/\/127\.0\.0\.1:8000\/v1/],
    ['a missing model', { endpoints: [{ baseUrl: 'http://h/v1' }] }, /llm\.endpoints\[0\]\.model: /],
    ['a key in place of an env var name', { endpoints: [{ baseUrl: 'http://h/v1', model: 'm', apiKeyEnv: 'sk-123 456' }] }, /llm\.endpoints\[0\]\.apiKeyEnv: must be an environment variable name \(e\.g\. VLLM_API_KEY/],
    ['an unknown api', { api: 'responses' }, /llm\.api: /],
    ['a zero concurrency', { endpoints: [{ baseUrl: 'http://h/v1', model: 'm', maxConcurrency: 0 }] }, /llm\.endpoints\[0\]\.maxConcurrency: /],
    ['an empty endpoint list', { endpoints: [] }, /llm\.endpoints: /],
    ['zero sequences', { embedded: { sequences: 0 } }, /llm\.embedded\.sequences: /],
    ['a typo', { embeded: {} }, /llm: .*embeded/],
    ['a literal apiKey (keys stay out of topology files)', { endpoints: [{ baseUrl: 'http://h/v1', model: 'm', apiKey: 'sk-x' }] }, /llm\.endpoints\[0\]: .*apiKey/],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    const err = (() => {
      try {
        parseLlmConfig(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(expected);
  });

  it('uses the stage path it is given', () => {
    expect(() => parseLlmConfig({ api: 'x' }, 'stages[2].llm')).toThrow(/stages\[2\]\.llm\.api/);
  });
});

describe('llm config: environment overrides', () => {
  const base = parseLlmConfig({ endpoints: [{ baseUrl: 'http://a/v1', model: 'm1', maxConcurrency: 3 }] });

  it('HUMPBACK_LLM_BASE_URL (comma-separated) and HUMPBACK_LLM_MODEL replace the endpoints', () => {
    const cfg = applyEnvOverrides(base, { HUMPBACK_LLM_BASE_URL: 'http://x/v1, http://y/v1', HUMPBACK_LLM_MODEL: 'm2' });
    expect(cfg.endpoints).toEqual([
      { baseUrl: 'http://x/v1', model: 'm2', maxConcurrency: 3 },
      { baseUrl: 'http://y/v1', model: 'm2', maxConcurrency: 3 },
    ]);
  });

  it('turns an embedded config into an endpoint one', () => {
    const cfg = applyEnvOverrides(parseLlmConfig({}), { HUMPBACK_LLM_BASE_URL: 'http://x/v1', HUMPBACK_LLM_MODEL: 'm' });
    expect(cfg.endpoints).toEqual([{ baseUrl: 'http://x/v1', model: 'm', maxConcurrency: 8 }]);
  });

  it('a base URL without any model is a clear error', () => {
    expect(() => applyEnvOverrides(parseLlmConfig({}), { HUMPBACK_LLM_BASE_URL: 'http://x/v1' })).toThrow(/set HUMPBACK_LLM_MODEL/);
  });

  it('a bad base URL in the environment is named', () => {
    expect(() => applyEnvOverrides(base, { HUMPBACK_LLM_BASE_URL: 'x:1' })).toThrow(/HUMPBACK_LLM_BASE_URL entry 1 "x:1"/);
  });
});

describe('createBackend', () => {
  it('builds a pool of OpenAI backends; the key comes from HUMPBACK_LLM_API_KEY and is sent, never logged', async () => {
    const server = await startFakeOpenAiServer({ respond: () => 'hello' });
    const lines: string[] = [];
    const logger = createLogger({}, 'debug', (l) => lines.push(l));
    try {
      const backend = await createBackend(parseLlmConfig({}), logger, { env: { HUMPBACK_LLM_BASE_URL: server.url, HUMPBACK_LLM_MODEL: 'fake', HUMPBACK_LLM_API_KEY: 'sk-live-KEY-42' } });
      expect(backend).toBeInstanceOf(EndpointPool);
      expect(backend.id).toBe(`openai:${server.url}#fake`);
      const res = await backend.complete({ messages: [{ role: 'user', content: 'hi' }], sampling: { temperature: 0, topP: 1, maxTokens: 4 } });
      expect(res.text).toBe('hello');
      expect(server.requests[0].authorization).toBe('Bearer sk-live-KEY-42');
      expect(lines.join('\n')).toContain(server.url);
      expect(lines.join('\n')).not.toContain('sk-live-KEY-42');
      await backend.close();
    } finally {
      await server.close();
    }
  });

  it('an apiKeyEnv that is not set is a ConfigError naming the path and the variable', async () => {
    const cfg = parseLlmConfig({ endpoints: [{ baseUrl: 'http://h/v1', model: 'm', apiKeyEnv: 'MY_KEY' }] });
    await expect(createBackend(cfg, silent, { env: {} })).rejects.toThrow(/llm\.endpoints\[0\]\.apiKeyEnv names MY_KEY, which is not set: export MY_KEY=<key>/);
  });

  it('a configured embedded model path that does not exist is a ConfigError (checked before loading anything)', async () => {
    const cfg = parseLlmConfig({ embedded: { modelPath: '/nonexistent/model.gguf' } });
    await expect(createBackend(cfg, silent, { env: {} })).rejects.toThrow(/llm\.embedded\.modelPath: .*does not exist/);
  });
});
