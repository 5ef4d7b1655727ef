import type { CompressionTypes, Message, Producer, TopicMessages } from 'kafkajs';
import { backoffDelay, sleep } from '../core/backoff';
import { DEFAULT_RETRY_POLICY } from '../core/retryPolicy';
import { PoisonRecordError, errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';

export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string>;
}

interface Pending {
  records: OutgoingRecord[];
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface ProducerSinkOptions {
  /** Records per produce request at most. */
  maxBatch?: number;
  /**
   * Bytes per produce request at most: kafkajs sends a partition's records as one batch and the
   * broker rejects a batch over the topic's max.message.bytes (1 MB by default).
   */
  maxBatchBytes?: number;
  /** Producer compression (the client setting compression.type); default none. */
  compression?: CompressionTypes;
  logger: Logger;
}

/** Bigger requests stop paying off; kept under the broker's default 1 MB message limit. */
const DEFAULT_MAX_BATCH_BYTES = 900 * 1024;

/**
 * Batches records from many concurrent callers into few produce requests (acks=all). One request
 * is in flight at a time, so order is kept and an idempotent producer stays valid; while it is in
 * flight, new records accumulate into the next batch. A failed request is retried with the retry
 * policy's infrastructure backoff until it succeeds or the sink is closed: outputs are never dropped, and callers (who commit only
 * after their send resolved) never commit a record whose outputs were not acknowledged. Records the
 * broker refuses as too large are the one exception: that send is rejected with a PoisonRecordError
 * (`produce.too-large`) so the caller can dead-letter its input instead of retrying forever.
 */
export class ProducerSink {
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;

  constructor(
    private readonly producer: Producer,
    private readonly opts: ProducerSinkOptions,
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  }

  /** Bytes waiting for the next request: callers with fast sources wait while this is high. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Resolves when every record is acknowledged by the broker. */
  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('producer sink is closed'));
    const bytes = records.reduce((n, r) => n + r.value.length + (r.key?.length ?? 0), 0);
    return new Promise((resolve, reject) => {
      this.queue.push({ records, bytes, resolve, reject });
      this.queuedBytes += bytes;
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.produceWithRetry(this.takeBatch());
    } finally {
      this.flushing = undefined;
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    let bytes = 0;
    for (const next of this.queue) {
      const fits = count + next.records.length <= this.maxBatch && bytes + next.bytes <= this.maxBatchBytes;
      if (batch.length > 0 && !fits) break;
      batch.push(next);
      count += next.records.length;
      bytes += next.bytes;
    }
    this.queue.splice(0, batch.length);
    this.queuedBytes -= bytes;
    return batch;
  }

  private async produceWithRetry(batch: Pending[]): Promise<void> {
    const topicMessages = groupByTopic(batch.flatMap((p) => p.records));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1, compression: this.opts.compression });
        batch.forEach((p) => p.resolve());
        return;
      } catch (err) {
        if (isTooLarge(err)) return this.isolateTooLarge(batch, err);
        if (this.closed) {
          const failure = new Error(`produce failed and the sink closed: ${errorMessage(err)}`);
          batch.forEach((p) => p.reject(failure));
          return;
        }
        this.opts.logger.warn('produce failed; retrying', { attempt, error: errorMessage(err) });
        await sleep(backoffDelay(attempt, DEFAULT_RETRY_POLICY.infrastructure), this.abort.signal);
      }
    }
  }

  /** Retries the sends of a refused batch one by one, so only the oversized ones fail. */
  private async isolateTooLarge(batch: Pending[], err: unknown): Promise<void> {
    if (batch.length > 1) {
      for (const p of batch) await this.produceWithRetry([p]);
      return;
    }
    const [p] = batch;
    p.reject(new PoisonRecordError('produce.too-large', `the broker refused ${p.bytes} bytes of output as too large (${errorMessage(err)}). Fix: raise max.message.bytes on the topic`));
  }

  /** Waits for queued records; after `close`, failing requests stop being retried. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.flush();
  }
}

/** kafkajs reports an oversized record as a protocol error, possibly wrapped. */
function isTooLarge(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const { type, originalError, errors, cause } = e as { type?: unknown; originalError?: unknown; errors?: unknown; cause?: unknown };
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
    return visit(originalError) || visit(cause) || (Array.isArray(errors) && errors.some(visit));
  };
  return visit(err);
}

function groupByTopic(records: OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? [];
    list.push({ key: r.key, value: r.value, headers: r.headers });
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
