/**
 * One error hierarchy for the engine (after kafkajs' errors.js and BullMQ's named errors).
 * The class decides behaviour (src/core/retryPolicy.ts): a PoisonRecordError sends the record to
 * `<stage>.dlq`, a retriable error goes through bounded backoff, a ConfigError stops with a fix.
 */
export interface ErrorContext {
  stage?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  path?: string;
}

export class HumpbackError extends Error {
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(message: string, opts: { retriable?: boolean; cause?: unknown; context?: ErrorContext } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.retriable = opts.retriable ?? false;
    this.context = opts.context ?? {};
  }
}

/** A record that cannot be processed however often we try: it becomes a dead letter. */
export class PoisonRecordError extends HumpbackError {
  /** Short machine-readable reason, e.g. `decode.unknown-schema-id`, used as a metric label. */
  readonly reason: string;
  /** Extra text kept in the dead letter, e.g. an LLM's raw answer that could not be parsed. */
  readonly detail?: string;

  constructor(reason: string, message: string, opts: { cause?: unknown; context?: ErrorContext; detail?: string } = {}) {
    super(message, { retriable: false, cause: opts.cause, context: opts.context });
    this.reason = reason;
    this.detail = opts.detail;
  }
}

/** A passing failure (network, broker, rate limit): retry with backoff. */
export class RetriableError extends HumpbackError {
  constructor(message: string, opts: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, { retriable: true, ...opts });
  }
}

/** The broker or the schema registry could not be reached: retried until it passes, never charged to a record (retryPolicy.ts). */
export class InfrastructureError extends RetriableError {}

/** Bad configuration or environment: the message says what is wrong and how to fix it. */
export class ConfigError extends HumpbackError {
  constructor(message: string, opts: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, { retriable: false, ...opts });
  }
}

/** Programming errors are never retried (DESIGN: never retry a TypeError). */
export function isRetriable(err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return false;
  if (err instanceof HumpbackError) return err.retriable;
  const kafkaRetriable = (err as { retriable?: unknown } | null)?.retriable;
  return kafkaRetriable === true;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type ErrorLike = { message?: unknown; code?: unknown; cause?: unknown; originalError?: unknown; name?: unknown };

/**
 * The error and what it wraps, outermost first: `cause` (undici nests the socket error, ECONNRESET...,
 * there) and kafkajs' `originalError` (its retrier wraps the last failure).
 */
export function errorCauses(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let cur = err; cur !== null && typeof cur === 'object' && out.length < 6; ) {
    const e: ErrorLike = cur;
    out.push(e);
    cur = e.cause ?? e.originalError;
  }
  return out;
}
