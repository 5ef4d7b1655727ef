/**
 * An LlmBackend for any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, TGI, OpenAI) via
 * the official `openai` client. One HTTP request per call: the client's own retries are off
 * (maxRetries 0) and this module does not retry either. A passing failure (429, 5xx, timeout, reset,
 * malformed or oversized answer) is thrown as an LlmAttemptFailed carrying the server's Retry-After;
 * the engine's one retry policy (src/core/retryPolicy.ts) decides whether and when to try again.
 */
import OpenAI from 'openai';
import type { LlmBackend, LlmRequest, LlmResponse, TokenLogprob } from './backend';
import { boundedFetch } from './boundedFetch';
import { DEFAULT_MAX_RESPONSE_BYTES } from './llmConfig';
import { classifyFailure, LlmAttemptFailed, MalformedAnswerError, redact, toFinalError } from './httpFailure';
import { renderCompletionPrompt } from './promptTemplate';
import type { Logger } from '../core/logger';

/** Local servers ignore the key but the client insists on one. */
export const DUMMY_API_KEY = 'sk-no-key-required';

export interface OpenAiBackendOptions {
  baseUrl: string;
  model: string;
  api?: 'chat' | 'completions';
  apiKey?: string;
  /** Where the key came from, named in 401 messages (never the key itself). */
  keySource?: string;
  /** Per attempt, from the request to the last byte of the answer. */
  timeoutMs?: number;
  /** An answer body over this many bytes (decoded) is cut off and the attempt fails (see boundedFetch). */
  maxResponseBytes?: number;
  logger?: Logger;
}

type FinishReason = LlmResponse['finishReason'];

export class OpenAiBackend implements LlmBackend {
  readonly id: string;
  /** Chat APIs have no portable token-level constraint; the caller parses the free text. */
  readonly constrains = false;
  private readonly client: OpenAI;
  private readonly api: 'chat' | 'completions';
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private warnedEstimate = false;

  constructor(private readonly opts: OpenAiBackendOptions) {
    this.api = opts.api ?? 'chat';
    this.apiKey = opts.apiKey ?? DUMMY_API_KEY;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.id = `openai:${opts.baseUrl}#${opts.model}`;
    // logLevel off: the client's debug logs would print request options; we log what we choose.
    this.client = new OpenAI({
      baseURL: opts.baseUrl,
      apiKey: this.apiKey,
      maxRetries: 0,
      timeout: this.timeoutMs,
      logLevel: 'off',
      fetch: boundedFetch({ timeoutMs: this.timeoutMs, maxBytes: opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES }),
    });
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const where = { baseUrl: this.opts.baseUrl, model: this.opts.model, keySource: this.opts.keySource ?? 'the topology or OPENAI_API_KEY' };
    const started = Date.now();
    try {
      return await this.once(request);
    } catch (err) {
      const failure = classifyFailure(err, [this.apiKey]);
      // The client reports its own timeout as a bare connection error when the abort comes from
      // another realm (e.g. under jest): a connection failure at the deadline is a timeout.
      if (failure.kind === 'connection' && Date.now() - started >= this.timeoutMs - 5) Object.assign(failure, { kind: 'timeout', message: `no answer within ${this.timeoutMs} ms` });
      if (failure.kind === 'aborted' || request.signal?.aborted) throw abortError();
      if (!failure.retriable) throw toFinalError(failure, where);
      this.opts.logger?.debug('llm attempt failed', { backend: redact(this.id, [this.apiKey]), reason: failure.kind, status: failure.status });
      throw new LlmAttemptFailed(failure, where);
    }
  }

  async close(): Promise<void> {
    // The client holds no sockets of its own (global fetch pools them); nothing to release.
  }

  private async once(request: LlmRequest): Promise<LlmResponse> {
    const { sampling, messages } = request;
    const common = {
      model: this.opts.model,
      temperature: sampling.temperature,
      top_p: sampling.topP,
      max_tokens: sampling.maxTokens,
      ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
    };
    const options = { signal: request.signal, timeout: this.timeoutMs, maxRetries: 0 };
    const top = request.logprobs;
    if (this.api === 'chat') {
      const res = await this.client.chat.completions.create(
        {
          ...common,
          messages: messages.map((m) => ({ role: m.role, content: m.content })),
          ...(sampling.stop?.length ? { stop: sampling.stop } : {}),
          ...(top ? { logprobs: true, top_logprobs: top } : {}),
        },
        options,
      );
      const choice = checkedChoices(res)[0];
      const text = choice?.message?.content ?? '';
      return this.response(text, res.model, choice?.finish_reason, res.usage, messages.map((m) => m.content).join('\n'), chatLogprobs(choice?.logprobs?.content));
    }
    const rendered = renderCompletionPrompt(messages);
    const stop = [...(sampling.stop ?? []), ...rendered.stop].slice(0, 4); // OpenAI allows at most 4
    const res = await this.client.completions.create({ ...common, prompt: rendered.prompt, ...(stop.length ? { stop } : {}), ...(top ? { logprobs: top } : {}) }, options);
    const choice = checkedChoices(res)[0];
    return this.response(choice?.text ?? '', res.model, choice?.finish_reason, res.usage, rendered.prompt, completionLogprobs(choice?.logprobs));
  }

  private response(
    text: string,
    model: string | undefined,
    finish: string | null | undefined,
    usage: { prompt_tokens?: number; completion_tokens?: number } | undefined,
    promptText: string,
    logprobs: TokenLogprob[] | undefined,
  ): LlmResponse {
    const finishReason: FinishReason = finish === 'stop' ? 'stop' : finish === 'length' ? 'length' : 'other';
    const extra = { model: model || this.opts.model, finishReason, ...(logprobs ? { logprobs } : {}) };
    if (usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') {
      return { text, tokensIn: usage.prompt_tokens, tokensOut: usage.completion_tokens, ...extra };
    }
    if (!this.warnedEstimate) {
      this.warnedEstimate = true;
      this.opts.logger?.warn('LLM server sent no usage; token counts are estimated as characters/4', { backend: redact(this.id, [this.apiKey]) });
    }
    return { text, tokensIn: estimateTokens(promptText), tokensOut: estimateTokens(text), tokensEstimated: true, ...extra };
  }
}

/**
 * The choices of a completion, or a MalformedAnswerError when the 200 is no completion at all: an
 * HTML page from a proxy, plain text, an empty 204 (the client returns those as a string or null).
 * An empty `choices` list or a null content stays an empty answer, for the stage to judge.
 */
function checkedChoices<T extends { choices: unknown[] }>(res: T): T['choices'] {
  // Typed as a completion, but the client hands over whatever the 200 carried.
  const body: unknown = res;
  if (typeof body === 'object' && body !== null && 'choices' in body && Array.isArray(body.choices)) return res.choices;
  const what = typeof res === 'string' ? `text ${JSON.stringify((res as string).slice(0, 80))}` : res === null || res === undefined ? 'an empty body' : 'JSON without a choices list';
  throw new MalformedAnswerError(`the server answered 200 with ${what}, not a completion`);
}

type ChatTokenLogprob = { token?: unknown; logprob?: unknown; top_logprobs?: Array<{ token?: unknown; logprob?: unknown }> | null };

/** Chat completions' `logprobs.content` (OpenAI, vLLM, llama.cpp server); undefined when absent or not that shape. */
function chatLogprobs(content: ChatTokenLogprob[] | null | undefined): TokenLogprob[] | undefined {
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const entries = content.map((c) => {
    const top = (Array.isArray(c.top_logprobs) ? c.top_logprobs : []).flatMap((t) => (typeof t.token === 'string' && typeof t.logprob === 'number' ? [{ text: t.token, logprob: t.logprob }] : []));
    return typeof c.token === 'string' && typeof c.logprob === 'number' ? [{ text: c.token, logprob: c.logprob, top }] : [];
  });
  return entries.every((e) => e.length === 1) ? entries.flat() : undefined;
}

/** Legacy completions' `logprobs` ({tokens, token_logprobs, top_logprobs: [{token: logprob}]}). */
function completionLogprobs(lp: { tokens?: unknown; token_logprobs?: unknown; top_logprobs?: unknown } | null | undefined): TokenLogprob[] | undefined {
  const tokens = lp?.tokens;
  const values = lp?.token_logprobs;
  const tops = Array.isArray(lp?.top_logprobs) ? (lp.top_logprobs as unknown[]) : [];
  if (!Array.isArray(tokens) || !Array.isArray(values) || tokens.length === 0 || tokens.length !== values.length) return undefined;
  return tokens.map((token, i) => {
    const alternatives = tops[i] && typeof tops[i] === 'object' ? Object.entries(tops[i] as Record<string, unknown>) : [];
    return {
      text: String(token),
      logprob: typeof values[i] === 'number' ? values[i] : -Infinity,
      top: alternatives.flatMap(([text, logprob]) => (typeof logprob === 'number' ? [{ text, logprob }] : [])),
    };
  });
}

/** Rough token count when the server does not say: about 4 characters per token for English. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function abortError(): Error {
  const err = new Error('LLM request aborted');
  err.name = 'AbortError';
  return err;
}
