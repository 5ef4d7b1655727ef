import { LlmAttemptFailed, type Failure } from '../../src/llm/httpFailure';
import { OpenAiBackend, type OpenAiBackendOptions } from '../../src/llm/openaiBackend';
import { TURN_STOP } from '../../src/llm/promptTemplate';
import type { LlmRequest } from '../../src/llm/backend';
import { ConfigError, PoisonRecordError, RetriableError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { HOSTILE, startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';

const KEY = 'sk-test-SECRET-0123456789';
const request = (content = 'Write a question.', extra: Partial<LlmRequest['sampling']> = {}): LlmRequest => ({
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content },
  ],
  sampling: { temperature: 0.7, topP: 0.9, maxTokens: 64, ...extra },
});

let server: FakeOpenAiServer;
let logLines: string[];

function backend(opts: Partial<OpenAiBackendOptions> = {}): OpenAiBackend {
  return new OpenAiBackend({
    baseUrl: server.url,
    model: 'fake-model',
    apiKey: KEY,
    keySource: 'env HUMPBACK_LLM_API_KEY',
    timeoutMs: 2_000,
    logger: createLogger({}, 'debug', (line) => logLines.push(line)),
    ...opts,
  });
}

beforeEach(async () => {
  server = await startFakeOpenAiServer();
  logLines = [];
});
afterEach(() => server.close());

/** The failure of one attempt that may pass: the backend tried once and left retrying to the retry policy. */
async function attemptFailure(call: Promise<unknown>): Promise<Failure> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmAttemptFailed);
  expect(err).toBeInstanceOf(RetriableError);
  return (err as LlmAttemptFailed).failure;
}

describe('OpenAiBackend (chat)', () => {
  it('returns the continuation, token counts from usage, and sends the sampling parameters', async () => {
    server.respond = () => 'What are Python lists?';
    const res = await backend().complete(request('Text: lists are mutable.', { seed: 7, stop: ['\n\n'] }));
    expect(res).toEqual({ text: 'What are Python lists?', tokensIn: 7, tokensOut: 4, model: 'fake-model', finishReason: 'stop' });
    const body = server.requests[0].body;
    expect(body).toMatchObject({ model: 'fake-model', temperature: 0.7, top_p: 0.9, max_tokens: 64, seed: 7, stop: ['\n\n'] });
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Text: lists are mutable.' },
    ]);
    expect(server.requests[0].authorization).toBe(`Bearer ${KEY}`);
  });

  it('maps finish_reason length and treats a missing or null completion as empty text', async () => {
    server.enqueue({ kind: 'answer', text: 'cut', finishReason: 'length' }, { kind: 'noChoices' }, { kind: 'answer', text: null });
    const b = backend();
    expect((await b.complete(request())).finishReason).toBe('length');
    expect((await b.complete(request())).text).toBe('');
    expect((await b.complete(request())).text).toBe('');
  });

  it('estimates token counts (chars/4) when the server sends no usage, and says so', async () => {
    server.enqueue({ kind: 'answer', text: '12345678', usage: false });
    const res = await backend().complete(request());
    expect(res).toMatchObject({ tokensOut: 2, tokensEstimated: true });
    expect(logLines.join('\n')).toMatch(/estimated as characters\/4/);
  });

  it.each([
    ['500', { kind: 'status', status: 500 } as const, 'server'],
    ['503', { kind: 'status', status: 503 } as const, 'server'],
    ['429', { kind: 'status', status: 429 } as const, 'rate-limit'],
    ['connection reset', { kind: 'reset' } as const, 'connection'],
  ])('makes one request: after %s it fails the attempt as retriable (the retry policy decides), and the next call answers', async (_name, failure, kind) => {
    server.enqueue(failure);
    const b = backend();
    expect((await attemptFailure(b.complete(request()))).kind).toBe(kind);
    expect(server.count()).toBe(1);
    expect((await b.complete(request())).text).toBe('ok');
  });

  it('fails an attempt that hangs past the timeout', async () => {
    server.enqueue({ kind: 'hang' });
    expect((await attemptFailure(backend({ timeoutMs: 300 }).complete(request()))).kind).toBe('timeout');
  });

  it("passes the server's Retry-After on to the retry policy", async () => {
    server.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    const err = await backend()
      .complete(request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmAttemptFailed);
    expect((err as LlmAttemptFailed).retryAfterMs).toBe(3_000);
    expect((err as Error).message).toMatch(/failed: HTTP 429/);
  });

  it('401: a ConfigError naming where the key comes from, never the key, even when the server echoes it', async () => {
    server.respond = (req) => ({ kind: 'status', status: 401, body: { error: { message: `Invalid key: ${req.authorization}` } } });
    const err = await backend().complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/rejected the API key \(HTTP 401\): check the key in env HUMPBACK_LLM_API_KEY/);
    expect(server.count()).toBe(1); // not retried
    const everything = [String(err), (err as Error).stack, JSON.stringify(err), String((err as Error).cause), ...logLines].join('\n');
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('SECRET');
  });

  it('the key never appears in logs or failure reasons, even when an error body echoes it', async () => {
    server.enqueue({ kind: 'status', status: 500, body: { error: { message: `boom for ${KEY}` } } });
    const err = await backend()
      .complete(request())
      .catch((e: unknown) => e);
    expect((err as LlmAttemptFailed).failure.message).toContain('***');
    expect([String(err), JSON.stringify(err), ...logLines].join('\n')).not.toContain(KEY);
  });

  it('404: a ConfigError pointing at baseUrl and model', async () => {
    server.respond = () => ({ kind: 'status', status: 404 });
    await expect(backend().complete(request())).rejects.toThrow(/404: check baseUrl .*model "fake-model"/);
  });

  it('400: the record is dead-lettered (PoisonRecordError), not retried', async () => {
    server.respond = () => ({ kind: 'status', status: 400, body: { error: { message: 'prompt longer than the context' } } });
    const err = await backend().complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoisonRecordError);
    expect((err as PoisonRecordError).reason).toBe('llm.bad-request');
    expect(server.count()).toBe(1);
  });

  it('an aborted request ends as an AbortError, not as a failure to retry', async () => {
    const controller = new AbortController();
    server.enqueue({ kind: 'hang' });
    const call = backend().complete({ ...request(), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.count()).toBe(1);
  });
});

describe('OpenAiBackend against hostile transfers (the test double)', () => {
  it('a body that trickles in forever fails the attempt at the timeout (headers alone do not count)', async () => {
    server.enqueue({ kind: 'trickle' });
    const started = Date.now();
    expect(await attemptFailure(backend({ timeoutMs: 400 }).complete(request()))).toMatchObject({ kind: 'timeout', message: 'no complete answer within 400 ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['plain', false],
    ['gzip bomb', true],
  ])('a %s body over the byte cap is cut off while it is read (never buffered whole): a failed attempt', async (_name, gzip) => {
    const bytes = 512 * 1024 * 1024;
    server.enqueue({ kind: 'flood', bytes, gzip });
    const failure = await attemptFailure(backend({ maxResponseBytes: 1024 * 1024 }).complete(request()));
    expect(failure.kind).toBe('too-large');
    expect(failure.message).toMatch(/over the 1048576-byte cap/);
    // The connection was closed soon after the cap: most of the half gigabyte was never sent.
    expect(server.stats.floodBytesSent).toBeLessThan(bytes / 4);
  });

  it.each([
    ['an HTML page (a proxy)', { kind: 'raw', status: 200, contentType: 'text/html', body: '<html><body>Please log in</body></html>' } as const, /200 with text "<html><body>Please log in/],
    ['broken JSON', { kind: 'raw', status: 200, contentType: 'application/json', body: '{"choices": [' } as const, /not valid JSON/],
    ['an empty 204', { kind: 'raw', status: 204, body: '' } as const, /200 with an empty body|not a completion/],
    ['JSON without choices', { kind: 'raw', status: 200, contentType: 'application/json', body: '{"result": "ok"}' } as const, /JSON without a choices list/],
  ])('a success status with %s is a malformed answer: a failed attempt, retriable', async (_name, action, message) => {
    server.enqueue(action);
    const failure = await attemptFailure(backend().complete(request()));
    expect(failure.kind).toBe('malformed');
    expect(failure.message).toMatch(message);
  });

  it('a connection that drops in the middle of the body is a retriable connection failure, not a dead letter', async () => {
    server.enqueue({ kind: 'truncate' });
    expect(await attemptFailure(backend().complete(request()))).toMatchObject({ kind: 'connection', message: expect.stringMatching(/connection lost during the answer/) });
  });
});

describe('OpenAiBackend with hostile outputs (the test double)', () => {
  it.each([
    ['score 10', HOSTILE.scoreTen],
    ['two Score lines', HOSTILE.twoScores],
    ['no Score line', HOSTILE.noScore],
  ])('passes %s through untouched: parsing is the stage’s job', async (_name, text) => {
    server.respond = () => text;
    expect((await backend().complete(request())).text).toBe(text);
  });

  it('an echo of the prompt comes back as the continuation', async () => {
    server.respond = HOSTILE.echo;
    expect((await backend().complete(request('Text: Score: 5'))).text).toBe('You are terse.\nText: Score: 5');
  });
});

describe('OpenAiBackend (completions)', () => {
  it('renders the messages into one prompt ending with "Assistant:" and adds the turn stop', async () => {
    server.respond = (req) => (req.prompt.endsWith('Assistant:') ? 'an answer' : 'wrong template');
    const res = await backend({ api: 'completions' }).complete(request('Text: hi', { stop: ['###'] }));
    expect(res.text).toBe('an answer');
    expect(server.requests[0].path).toBe('/v1/completions');
    expect(server.requests[0].prompt).toBe('System: You are terse.\n\nUser: Text: hi\n\nAssistant:');
    expect(server.requests[0].body.stop).toEqual(['###', TURN_STOP]);
  });

  it('sends a lone user message verbatim (a finetuned backward model takes the answer alone)', async () => {
    await backend({ api: 'completions' }).complete({ messages: [{ role: 'user', content: 'Just the answer text.' }], sampling: { temperature: 0, topP: 1, maxTokens: 8 } });
    expect(server.requests[0].prompt).toBe('Just the answer text.');
    expect(server.requests[0].body.stop).toBeUndefined();
  });
});
