import type { Message, Producer, TopicMessages } from 'kafkajs';
import { backoffDelay, sleep } from '../runtime/backoff';
import { errorMessage } from '../runtime/errors';
import type { Logger } from '../runtime/logger';

export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string>;
}

interface Pending {
  records: OutgoingRecord[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface ProducerSinkOptions {
  /** Records per produce request at most. */
  maxBatch?: number;
  logger: Logger;
}

/**
 * Batches records from many concurrent callers into few produce requests (acks=all). One request
 * is in flight at a time, so order is kept and an idempotent producer stays valid; while it is in
 * flight, new records accumulate into the next batch. A failed request is retried with backoff
 * until it succeeds or the sink is closed: outputs are never dropped, and callers (who commit only
 * after their send resolved) never commit a record whose outputs were not acknowledged.
 */
export class ProducerSink {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly maxBatch: number;

  constructor(
    private readonly producer: Producer,
    private readonly opts: ProducerSinkOptions,
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
  }

  /** Resolves when every record is acknowledged by the broker. */
  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('producer sink is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        await this.produceWithRetry(batch);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    while (this.queue.length > 0 && (batch.length === 0 || count + this.queue[0].records.length <= this.maxBatch)) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.records.length;
    }
    return batch;
  }

  private async produceWithRetry(batch: Pending[]): Promise<void> {
    const topicMessages = groupByTopic(batch.flatMap((p) => p.records));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
        batch.forEach((p) => p.resolve());
        return;
      } catch (err) {
        if (this.closed) {
          const failure = new Error(`produce failed and the sink closed: ${errorMessage(err)}`);
          batch.forEach((p) => p.reject(failure));
          return;
        }
        this.opts.logger.warn('produce failed; retrying', { attempt, error: errorMessage(err) });
        await sleep(backoffDelay(attempt, { initialMs: 100, maxMs: 5000 }), this.abort.signal);
      }
    }
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

function groupByTopic(records: OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? [];
    list.push({ key: r.key, value: r.value, headers: r.headers });
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
