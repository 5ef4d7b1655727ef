/**
 * Classifies a failed call to an OpenAI-compatible server into what the engine does about it:
 * retry (429, 5xx, timeouts, connection resets), stop with a fix (bad key, wrong URL or model), or
 * dead-letter the record (the server refused this request's content). Messages never contain the
 * API key: servers sometimes echo the Authorization header or the key in their error bodies.
 */
import OpenAI from 'openai';
import { ConfigError, PoisonRecordError, RetriableError, errorCauses } from '../core/errors';
import { ResponseLimitError } from './boundedFetch';

export type FailureKind = 'rate-limit' | 'server' | 'timeout' | 'too-large' | 'malformed' | 'connection' | 'auth' | 'not-found' | 'bad-request' | 'aborted' | 'unknown';

export interface Failure {
  kind: FailureKind;
  retriable: boolean;
  status?: number;
  /** Server-requested wait (Retry-After / retry-after-ms), when given. */
  retryAfterMs?: number;
  /** One line, key-free. */
  message: string;
}

/** A 200 answer that is not a completion (see openaiBackend's checkedChoices). */
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswerError';
}

export function classifyFailure(err: unknown, secrets: readonly string[], now: () => number = Date.now): Failure {
  const clean = (s: string): string => redact(s, secrets).replace(/\s+/g, ' ').trim().slice(0, 300);
  // Our own limits on the answer (boundedFetch), wherever the client wrapped them.
  const limit = findCause(err, ResponseLimitError);
  if (limit) return { kind: limit.limit === 'deadline' ? 'timeout' : 'too-large', retriable: true, message: limit.message };
  // A 200 that is no completion (or JSON that does not parse): a broken server or proxy, like a 5xx.
  if (err instanceof MalformedAnswerError) return { kind: 'malformed', retriable: true, message: clean(err.message) };
  // By name: fetch's JSON parser may throw from another realm (e.g. under jest), where instanceof fails.
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'SyntaxError') return { kind: 'malformed', retriable: true, message: clean(`the answer is not valid JSON: ${String((err as { message?: unknown }).message)}`) };
  // The connection dropped while the body was read (the client raises fetch's own error then).
  const network = networkCode(err);
  if (network && !(err instanceof OpenAI.APIError)) return { kind: 'connection', retriable: true, message: clean(`connection lost during the answer: ${causeChain(err)}`) };
  if (err instanceof OpenAI.APIUserAbortError) return { kind: 'aborted', retriable: false, message: 'request aborted' };
  if (err instanceof OpenAI.APIConnectionTimeoutError) return { kind: 'timeout', retriable: true, message: 'request timed out' };
  if (err instanceof OpenAI.APIConnectionError) {
    return { kind: 'connection', retriable: true, message: clean(`connection failed: ${causeChain(err)}`) };
  }
  if (isApiError(err)) {
    const status = err.status ?? 0;
    const message = clean(`HTTP ${status}: ${err.message}`);
    if (status === 429) return { kind: 'rate-limit', retriable: true, status, retryAfterMs: retryAfterMs(err.headers, now), message };
    if (status >= 500 || status === 408 || status === 409) return { kind: 'server', retriable: true, status, retryAfterMs: retryAfterMs(err.headers, now), message };
    if (status === 401 || status === 403) return { kind: 'auth', retriable: false, status, message };
    if (status === 404) return { kind: 'not-found', retriable: false, status, message };
    return { kind: 'bad-request', retriable: false, status, message };
  }
  return { kind: 'unknown', retriable: false, message: clean(err instanceof Error ? err.message : String(err)) };
}

/**
 * One request failed in a way that may pass (429, 5xx, timeout, reset, malformed or oversized answer).
 * Thrown after a single attempt: the retry policy (src/core/retryPolicy.ts) tries the record again,
 * no sooner than the server's Retry-After.
 */
export class LlmAttemptFailed extends RetriableError {
  readonly retryAfterMs?: number;

  constructor(
    readonly failure: Failure,
    where: { baseUrl: string; model: string },
  ) {
    super(`LLM request to ${where.baseUrl} (model ${where.model}) failed: ${failure.message}`);
    this.retryAfterMs = failure.retryAfterMs;
  }
}

/** The error a non-retriable failure becomes: ConfigError stops the stage with a fix, poison dead-letters one record. */
export function toFinalError(f: Failure, where: { baseUrl: string; model: string; keySource: string }): Error {
  const at = `${where.baseUrl} (model ${where.model})`;
  switch (f.kind) {
    case 'auth':
      return new ConfigError(`LLM server ${at} rejected the API key (HTTP ${f.status}): check the key in ${where.keySource}`);
    case 'not-found':
      return new ConfigError(`LLM server ${at} answered 404: check baseUrl (usually ends in /v1) and that the server serves model "${where.model}" (GET ${where.baseUrl}/models lists them)`);
    case 'bad-request':
      // Usually this request's content (e.g. longer than the model's context): the record is dead-lettered, the stage goes on.
      return new PoisonRecordError('llm.bad-request', `LLM server ${at} refused the request: ${f.message}`, { detail: f.message });
    default:
      return new Error(`LLM request to ${at} failed: ${f.message}`);
  }
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

function retryAfterMs(headers: Headers | undefined, now: () => number): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now()) : undefined;
}

function findCause<T extends Error>(err: unknown, type: new (...args: never[]) => T): T | undefined {
  return errorCauses(err).find((c): c is T => c instanceof type);
}

/** An undici or socket error code (UND_ERR_SOCKET, ECONNRESET...) anywhere in the cause chain. */
function networkCode(err: unknown): string | undefined {
  return errorCauses(err)
    .map((c) => c.code)
    .find((code): code is string => typeof code === 'string' && /^(UND_ERR_|E[A-Z]+$)/.test(code));
}

/** Every message of the chain, with its error code: `fetch failed: other side closed (UND_ERR_SOCKET)`. */
function causeChain(err: unknown): string {
  return errorCauses(err)
    .map((c) => (typeof c.code === 'string' ? `${String(c.message)} (${c.code})` : String(c.message)))
    .join(': ');
}

/** `instanceof` on the generic APIError narrows its type parameters to any; this keeps the defaults. */
function isApiError(err: unknown): err is InstanceType<typeof OpenAI.APIError> {
  return err instanceof OpenAI.APIError;
}
