import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { backoffDelay, sleep } from '../runtime/backoff';
import { errorMessage } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { SeenTable } from './seenTable';

/**
 * The dedup stage's memory of segment ids already emitted, each with its *claimant*: a 32-bit hash
 * of the Segment record that was emitted for it. The claimant lets the stage tell a redelivery of
 * the record that claimed an id (emit again: never lose it) from a different record with the same
 * text (drop). See src/stages/dedup.ts for the crash windows.
 */
export interface SeenStore {
  /**
   * Looks `segmentId` up and, when unseen, records it as claimed by `claimant`, in one step (no other
   * call can slip between the look-up and the insert): `new` = first claim, `mine` = claimed before
   * by the same claimant, `taken` = claimed by another. Waits for a running catch-up.
   */
  claim(segmentId: string, claimant: number): Promise<ClaimResult>;
  has(segmentId: string): Promise<boolean>;
  /** Remembers `segmentId` as claimed by `claimant`; the first claim wins. */
  add(segmentId: string, claimant: number): Promise<void>;
  readonly size: number;
}
export type ClaimResult = 'new' | 'mine' | 'taken';

/** Offline, and in tests: the set lives and dies with the process. */
export class InMemorySeenStore implements SeenStore {
  protected readonly table = new SeenTable();
  get size(): number {
    return this.table.size;
  }
  async claim(segmentId: string, claimant: number): Promise<ClaimResult> {
    const before = this.table.get(segmentId);
    if (before === undefined) this.table.add(segmentId, claimant);
    return before === undefined ? 'new' : before === claimant >>> 0 ? 'mine' : 'taken';
  }
  async add(segmentId: string, claimant: number): Promise<void> {
    this.table.add(segmentId, claimant);
  }
  async has(segmentId: string): Promise<boolean> {
    return this.table.get(segmentId) !== undefined;
  }
}

export interface KafkaSeenStoreOptions {
  kafka: Kafka;
  /** Compacted topic keyed by segment id; every value is a claim record. */
  topic: string;
  /** Prefix of the throwaway consumer groups used to read the topic. */
  groupPrefix: string;
  /** Claimant of a record value (the store does not know the record type). */
  claimantOf: (value: Buffer) => Promise<number>;
  logger: Logger;
}

/**
 * A SeenStore loaded from a compacted topic. `catchUp()` reads the topic from where the store last
 * stopped to the end offsets the admin reports *now*, then returns; lookups wait for a running
 * catch-up. The stage calls it once at start, and `markStale()` after every rebalance: the next
 * lookup then catches up first, so a replica that takes over a partition knows every claim its
 * previous owner had acknowledged. (Lazily, because a rebalance also happens while a stage shuts
 * down, and a catch-up started then would outlive the stage: stages have no stop hook.)
 * Writes do not go through the store: the stage emits the claim record as an output, acknowledged
 * before its input is committed. Between catch-ups the store reads nothing: each replica only meets
 * ids of partitions it owns.
 */
export class KafkaSeenStore extends InMemorySeenStore {
  private readonly positions = new Map<number, number>();
  private ready: Promise<void> = Promise.resolve();
  private stale = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: KafkaSeenStoreOptions) {
    super();
  }

  /** Starts a catch-up (retried with backoff until it succeeds or the store closes) and returns it. */
  catchUp(): Promise<void> {
    const previous = this.ready;
    this.ready = previous.then(() => this.catchUpWithRetries());
    return this.ready;
  }

  /** Others may have written claims (a rebalance): catch up before the next lookup. */
  markStale(): void {
    this.stale = true;
  }

  private whenReady(): Promise<void> {
    if (this.stale) {
      this.stale = false;
      void this.catchUp();
    }
    return this.ready;
  }

  // Nothing may run between the wait and the synchronous look-up: that keeps claim() atomic.
  override async claim(segmentId: string, claimant: number): Promise<ClaimResult> {
    await this.whenReady();
    return super.claim(segmentId, claimant);
  }
  override async add(segmentId: string, claimant: number): Promise<void> {
    await this.whenReady();
    return super.add(segmentId, claimant);
  }
  override async has(segmentId: string): Promise<boolean> {
    await this.whenReady();
    return super.has(segmentId);
  }

  close(): void {
    this.abort.abort();
  }

  private async catchUpWithRetries(): Promise<void> {
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      try {
        return await this.readToEnd();
      } catch (err) {
        this.o.logger.warn('seen-set catch-up failed; retrying', { topic: this.o.topic, attempt, error: errorMessage(err) });
        await sleep(backoffDelay(attempt), this.abort.signal);
      }
    }
  }

  /** One pass: end offsets now, then a throwaway consumer group from our positions up to them. */
  private async readToEnd(): Promise<void> {
    const admin = this.o.kafka.admin();
    await admin.connect();
    const groupId = `${this.o.groupPrefix}.seen-${crypto.randomBytes(6).toString('hex')}`;
    try {
      const ends = await admin.fetchTopicOffsets(this.o.topic);
      const behind = new Map(ends.filter((e) => Number(e.high) > Math.max(Number(e.low), this.positions.get(e.partition) ?? 0)).map((e) => [e.partition, Number(e.high)]));
      if (behind.size === 0) return;
      const started = Date.now();
      const sizeBefore = this.size;
      // Start where the last pass ended; partitions never read start at the beginning.
      const partitions = [...behind.keys()].filter((p) => this.positions.has(p)).map((p) => ({ partition: p, offset: String(this.positions.get(p)) }));
      if (partitions.length > 0) await admin.setOffsets({ groupId, topic: this.o.topic, partitions });
      await this.consume(groupId, behind);
      this.o.logger.info('seen-set caught up', { topic: this.o.topic, ids: this.size, added: this.size - sizeBefore, ms: Date.now() - started });
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
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            // Tombstones carry no claim; a key without a readable claim still counts as seen; a key
            // that is no segment id (written by hand) cannot match any segment and is skipped.
            const id = m.key?.toString('latin1') ?? '';
            if (m.value && /^[0-9a-f]{16}/i.test(id)) this.table.add(id, await this.o.claimantOf(m.value).catch(() => 0));
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
