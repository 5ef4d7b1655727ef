import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { backoffDelay, sleep } from '../core/backoff';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { SeenTable } from './seenTable';
import { topicOffsets } from '../kafka/offsets';

/**
 * A set of record keys (hex digests), each with a 32-bit tag, in a SeenTable (~20 bytes a key).
 * Stage state that is "the keys some topic holds": the dedup stage's claims (tag = claimant), the
 * LLM stages' outputs already produced (tag unused). In memory it lives and dies with the process.
 */
export class KeySet {
  protected readonly table = new SeenTable();

  get size(): number {
    return this.table.size;
  }

  /** Resolves when pending loads are done; lookups wait for it. In memory there are none. */
  protected ready(): Promise<void> {
    return Promise.resolve();
  }

  async get(key: string): Promise<number | undefined> {
    await this.ready();
    return this.table.get(key);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Remembers `key` with `tag`; the first tag wins. */
  async add(key: string, tag = 0): Promise<void> {
    await this.ready();
    this.table.add(key, tag);
  }

  /**
   * The key's tag, inserting `tag` when absent, in one step: nothing can run between the wait and
   * the synchronous look-up and insert, so two callers never both see the key as new.
   */
  async getOrAdd(key: string, tag: number): Promise<number | undefined> {
    await this.ready();
    const before = this.table.get(key);
    if (before === undefined) this.table.add(key, tag);
    return before;
  }
}

export interface TopicKeySetOptions {
  kafka: Kafka;
  /** The topic whose keys make up the set (compacted or not). */
  topic: string;
  /** Prefix of the throwaway consumer groups used to read the topic. */
  groupPrefix: string;
  /** Tag of a record value; default 0 (then values are never decoded). */
  tagOf?: (value: Buffer) => Promise<number>;
  logger: Logger;
}

/**
 * A KeySet loaded from a topic. `catchUp()` reads the topic from where the set last stopped to the
 * end offsets the admin reports *now*, then returns; lookups wait for a running catch-up. A stage
 * calls it once at start, and `markStale()` after every rebalance: the next lookup then catches up
 * first, so a replica that takes over a partition knows every key its previous owner had acknowledged.
 * (Lazily, because a rebalance also happens while a stage shuts down, and a catch-up started then
 * would outlive the stage: stages have no stop hook.) All partitions are read: the topic's
 * partitioning need not match the input's. Between catch-ups nothing is read.
 */
export class TopicKeySet extends KeySet {
  private readonly positions = new Map<number, number>();
  private loading: Promise<void> = Promise.resolve();
  private stale = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: TopicKeySetOptions) {
    super();
  }

  /** Starts a catch-up (retried with backoff until it succeeds or the set closes) and returns it. */
  catchUp(): Promise<void> {
    this.loading = this.loading.then(() => this.catchUpWithRetries());
    return this.loading;
  }

  /** Others may have written keys (a rebalance): catch up before the next lookup. */
  markStale(): void {
    this.stale = true;
  }

  protected override ready(): Promise<void> {
    if (this.stale) {
      this.stale = false;
      void this.catchUp();
    }
    return this.loading;
  }

  close(): void {
    this.abort.abort();
  }

  private async catchUpWithRetries(): Promise<void> {
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      try {
        return await this.readToEnd();
      } catch (err) {
        this.o.logger.warn('key set catch-up failed; retrying', { topic: this.o.topic, attempt, error: errorMessage(err) });
        await sleep(backoffDelay(attempt), this.abort.signal);
      }
    }
  }

  /** One pass: end offsets now, then a throwaway consumer group from our positions up to them. */
  private async readToEnd(): Promise<void> {
    const admin = this.o.kafka.admin();
    await admin.connect();
    const groupId = `${this.o.groupPrefix}.keys-${crypto.randomBytes(6).toString('hex')}`;
    try {
      const ends = await topicOffsets(admin, this.o.topic);
      const behind = new Map(ends.filter((e) => e.high > Math.max(e.low, this.positions.get(e.partition) ?? 0)).map((e) => [e.partition, e.high]));
      if (behind.size === 0) return;
      const started = Date.now();
      const sizeBefore = this.size;
      // Start where the last pass ended; partitions never read start at the beginning.
      const partitions = [...behind.keys()].filter((p) => this.positions.has(p)).map((p) => ({ partition: p, offset: String(this.positions.get(p)) }));
      if (partitions.length > 0) await admin.setOffsets({ groupId, topic: this.o.topic, partitions });
      await this.consume(groupId, behind);
      this.o.logger.info('key set caught up', { topic: this.o.topic, keys: this.size, added: this.size - sizeBefore, ms: Date.now() - started });
    } finally {
      // The group only existed for this pass; leaving it would litter the broker's group list.
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  }

  private async consume(groupId: string, targets: Map<number, number>): Promise<void> {
    const consumer = this.o.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const reached = () => [...targets].every(([p, end]) => (this.positions.get(p) ?? 0) >= end);
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    this.abort.signal.addEventListener('abort', () => done(), { once: true });
    const tagOf = this.o.tagOf;
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            // Tombstones carry no record; a key with an unreadable value still counts; a key that
            // is no hex digest (written by hand) cannot match any of ours and is skipped.
            const key = m.key?.toString('latin1') ?? '';
            if (m.value && /^[0-9a-f]{16}/i.test(key)) this.table.add(key, tagOf ? await tagOf(m.value).catch(() => 0) : 0);
          }
          const next = Number(batch.lastOffset()) + 1;
          if (next > (this.positions.get(batch.partition) ?? 0)) this.positions.set(batch.partition, next);
          if (reached()) done();
        },
      });
      await finished;
    } finally {
      await consumer.disconnect();
    }
  }
}
