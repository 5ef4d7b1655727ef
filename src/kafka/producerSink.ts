import type { CompressionTypes, IHeaders, Kafka, Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import { backoffDelay, sleep } from '../core/backoff';
import { DEFAULT_RETRY_POLICY } from '../core/retryPolicy';
import { PoisonRecordError, errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { PinningPartitioner } from './partitioner';

export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  /** null: a tombstone (deletes the key from a compacted topic). */
  value: Buffer | null;
  headers?: IHeaders;
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
  /** Records of `topic` sent again because a resolved produce call had not written them (a metric). */
  onResent?: (topic: string, count: number) => void;
  /**
   * Trust a resolved produce call as kafkajs reports it, without the per-partition check below: only
   * to show the upstream hole in tests ($HUMPBACK_UNSAFE_UNCHECKED_PRODUCE=1). Loses records on a
   * leader move.
   */
  unchecked?: boolean;
}

/** Bigger requests stop paying off; kept under the broker's default 1 MB message limit. */
const DEFAULT_MAX_BATCH_BYTES = 900 * 1024;

/**
 * The project's one write path to Kafka (stages, ingest, DLQ replay, demo). Batches records from many
 * concurrent callers into few produce requests (acks=all). One request is in flight at a time, so
 * order is kept and an idempotent producer stays valid; while it is in flight, new records accumulate
 * into the next batch. A failed request is retried with the retry policy's infrastructure backoff
 * until it succeeds or the sink is closed: outputs are never dropped, and callers (who commit only
 * after their send resolved) never commit a record whose outputs were not acknowledged. Records the
 * broker refuses as too large are the one exception: that send is rejected with a PoisonRecordError
 * (`produce.too-large`) so the caller can dead-letter its input instead of retrying forever.
 *
 * A resolved kafkajs call is not taken on trust. kafkajs 2.2.4 keeps one response per *broker* within
 * a call and, after a retriable error, re-sends only to brokers that have not answered: records of a
 * partition whose leadership moved to a broker that had already answered are never sent, and the
 * call resolves anyway (tulios/kafkajs#1303, open; no release since 2023). So each record's partition
 * is fixed on its first attempt (PinningPartitioner: the Java-compatible choice, kept across kafkajs'
 * retries), and every topic-partition sent must come back in the response with an offset; the
 * records of one that does not are sent again, before any caller's send resolves.
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
    private readonly producer: Pick<Producer, 'sendBatch' | 'disconnect'>,
    private readonly opts: ProducerSinkOptions,
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  }

  /**
   * A connected sink on its own producer: idempotent, one request in flight, no topic auto-creation,
   * partitions pinned (PinningPartitioner: the same partition as Kafka's own clients for a key).
   * `close()` disconnects it. $HUMPBACK_UNSAFE_UNCHECKED_PRODUCE=1 turns the response check off.
   */
  static async open(kafka: Pick<Kafka, 'producer'>, opts: ProducerSinkOptions): Promise<ProducerSink> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: PinningPartitioner });
    await producer.connect();
    return new ProducerSink(producer, { ...opts, unchecked: opts.unchecked ?? process.env.HUMPBACK_UNSAFE_UNCHECKED_PRODUCE === '1' });
  }

  /** Bytes waiting for the next request: callers with fast sources wait while this is high. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Resolves when every record is acknowledged by the broker. */
  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('producer sink is closed'));
    const bytes = records.reduce((n, r) => n + (r.value?.length ?? 0) + (r.key?.length ?? 0), 0);
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
    // Built once: each message's partition, pinned on the first attempt, stays for the re-sends.
    let unwritten = batch.flatMap((p) => p.records).map(toMessage);
    for (let attempt = 1; ; attempt++) {
      let response: RecordMetadata[] | undefined;
      try {
        response = await this.producer.sendBatch({ topicMessages: groupByTopic(unwritten), acks: -1, compression: this.opts.compression });
      } catch (err) {
        if (isTooLarge(err)) return this.isolateTooLarge(batch, err);
        if (this.closed) {
          const failure = new Error(`produce failed and the sink closed: ${errorMessage(err)}`);
          batch.forEach((p) => p.reject(failure));
          return;
        }
        this.opts.logger.warn('produce failed; retrying', { attempt, error: errorMessage(err) });
        await sleep(backoffDelay(attempt, DEFAULT_RETRY_POLICY.infrastructure), this.abort.signal);
        continue;
      }
      const missing = this.opts.unchecked ? [] : notCovered(unwritten, response);
      if (missing instanceof Error) return batch.forEach((p) => p.reject(missing));
      if (missing.length === 0) return batch.forEach((p) => p.resolve());
      this.reportResend(missing);
      unwritten = missing;
    }
  }

  private reportResend(unwritten: TopicMessage[]): void {
    const perPartition = new Map<string, number>();
    for (const m of unwritten) perPartition.set(partitionOf(m), (perPartition.get(partitionOf(m)) ?? 0) + 1);
    this.opts.logger.warn('a produce call resolved without writing some partitions (kafkajs#1303, a leader moved); sending those records again', {
      records: unwritten.length,
      partitions: Object.fromEntries(perPartition),
    });
    const perTopic = new Map<string, number>();
    for (const m of unwritten) perTopic.set(m.topic, (perTopic.get(m.topic) ?? 0) + 1);
    for (const [topic, count] of perTopic) this.opts.onResent?.(topic, count);
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

  /** Stops retrying, waits for the request in flight, disconnects the producer. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.flush();
    await this.producer.disconnect().catch(() => undefined);
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

/** A message with the topic it goes to; kafkajs writes its partition in on the first attempt. */
interface TopicMessage extends Message {
  topic: string;
}

function toMessage(r: OutgoingRecord): TopicMessage {
  // `partition` from the start, so the pin kafkajs' partitioner writes does not change the object's shape.
  return { topic: r.topic, key: r.key, value: r.value, headers: r.headers, partition: undefined };
}

function partitionOf(m: TopicMessage): string {
  return `${m.topic}:${m.partition ?? '?'}`;
}

/**
 * The messages whose topic-partition the response does not acknowledge with an offset. A message with
 * no partition after a resolved call means the producer was not made with PinningPartitioner: a bug,
 * since its records could not be checked.
 */
function notCovered(sent: TopicMessage[], response: RecordMetadata[] | undefined): TopicMessage[] | Error {
  // Partition numbers per topic rather than "topic:partition" strings: this runs for every record.
  const written = new Map<string, Set<number>>();
  for (const r of response ?? []) {
    if (r.errorCode !== 0 || r.baseOffset === undefined) continue;
    let partitions = written.get(r.topicName);
    if (partitions === undefined) written.set(r.topicName, (partitions = new Set()));
    partitions.add(r.partition);
  }
  const missing: TopicMessage[] = [];
  for (const m of sent) {
    if (m.partition === undefined) return new Error(`a produce call to ${m.topic} resolved but left no partition on its records, so they cannot be checked: create the producer with ProducerSink.open`);
    if (!written.get(m.topic)?.has(m.partition)) missing.push(m);
  }
  return missing;
}

function groupByTopic(messages: TopicMessage[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic) ?? [];
    list.push(m);
    byTopic.set(m.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
