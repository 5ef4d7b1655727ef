import type { OutgoingRecord, ProducerSink } from '../kafka/producerSink';
import { ingestedAtHeader } from '../runtime/lineage';
import type { Serde } from '../kafka/serde/avroSerde';
import type { DocumentRecord } from '../records/types';
import { toDeadLetter } from '../runtime/deadLetter';
import { mb } from './limits';
import type { ReadProblem } from './types';

export interface PublisherOptions {
  topic: string;
  dlq: string;
  /** The documents topic's max.message.bytes: a produce request per partition may not exceed it. */
  maxMessageBytes: number;
  now: () => number;
}

/** Room for the record batch header, keys and per-record framing on top of the values. */
const BATCH_OVERHEAD = 16 * 1024;
/** Bigger batches stop paying off; smaller ones keep latency and memory low. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Bytes per produce request for a topic: under its max.message.bytes, for the ProducerSink. */
export function batchBudget(maxMessageBytes: number): number {
  return Math.max(64 * 1024, Math.min(MAX_BATCH_BYTES, maxMessageBytes - BATCH_OVERHEAD));
}

/**
 * Documents and dead letters to Kafka through the ProducerSink (which batches by bytes, one request
 * in flight). A document too big for the topic on its own becomes a dead letter instead, and a
 * reader faster than the broker waits once a few batches are queued, so memory stays bounded.
 */
export class IngestPublisher {
  private readonly unacked: Array<{ sent: Promise<void>; done: boolean }> = [];
  private failure: Error | undefined;
  private readonly budget: number;

  constructor(
    private readonly sink: ProducerSink,
    private readonly serde: Serde,
    private readonly o: PublisherOptions,
  ) {
    this.budget = batchBudget(o.maxMessageBytes);
  }

  /** Queues a document; returns a problem instead when its record cannot fit the topic. */
  async document(doc: DocumentRecord): Promise<ReadProblem | undefined> {
    const value = await this.serde.encode('humpback.Document', doc, this.o.topic);
    if (value.length + BATCH_OVERHEAD > this.o.maxMessageBytes) {
      const where = doc.source_offset !== null ? { offset: doc.source_offset } : doc.source_line !== null ? { line: doc.source_line } : {};
      return {
        reason: 'ingest.too-large',
        message: `${doc.source_file ?? '-'}${'line' in where ? `:${where.line}` : 'offset' in where ? ` at byte offset ${where.offset}` : ''}: document record of ${mb(value.length)} does not fit topic ${this.o.topic} (max.message.bytes ${this.o.maxMessageBytes}). Fix: raise max.message.bytes on the topic or lower --max-document-mb`,
        file: doc.source_file,
        ...where,
        sample: Buffer.from(doc.content.slice(0, 64 * 1024)),
      };
    }
    await this.add({ topic: this.o.topic, key: doc.doc_id, value, headers: ingestedAtHeader(doc.ingested_at) });
    return undefined;
  }

  /** Queues a dead letter for a problem with an input (no key: there was no record). */
  async problem(p: ReadProblem, source: string): Promise<void> {
    const letter = toDeadLetter(
      {
        stage: 'ingest',
        reason: p.reason,
        message: p.message,
        attempts: 1,
        topic: `file:${source}`,
        partition: -1,
        offset: String(p.offset ?? p.line ?? -1),
        key: null,
        value: p.sample ?? null,
      },
      this.o.now(),
    );
    await this.add({ topic: this.o.dlq, key: null, value: await this.serde.encode('humpback.DeadLetter', letter, this.o.dlq) });
  }

  /** Resolves when everything queued so far is acknowledged by the broker (acks=all). */
  async flush(): Promise<void> {
    await Promise.allSettled(this.unacked.splice(0).map((e) => e.sent));
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private async add(record: OutgoingRecord): Promise<void> {
    const entry = { sent: this.sink.send([record]), done: false };
    entry.sent.then(
      () => (entry.done = true),
      (err: unknown) => {
        entry.done = true;
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      },
    );
    this.unacked.push(entry);
    while (this.unacked[0]?.done) this.unacked.shift();
    while (this.sink.pendingBytes > 4 * this.budget && this.unacked.length > 0) await this.unacked.shift()!.sent.catch(() => undefined);
  }
}
