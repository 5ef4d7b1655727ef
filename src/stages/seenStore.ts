import type { Kafka } from 'kafkajs';
import type { Logger } from '../core/logger';
import { KeySet, TopicKeySet } from './topicKeySet';

/**
 * The dedup stage's memory of segment ids already emitted, each with its *claimant*: a 32-bit hash
 * of the Segment record that was emitted for it. The claimant lets the stage tell a redelivery of
 * the record that claimed an id (emit again: never lose it) from a different record with the same
 * text (drop). See src/stages/dedup.ts for the crash windows. Built on a KeySet (tag = claimant).
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
  constructor(protected readonly keys: KeySet = new KeySet()) {}
  get size(): number {
    return this.keys.size;
  }
  async claim(segmentId: string, claimant: number): Promise<ClaimResult> {
    const before = await this.keys.getOrAdd(segmentId, claimant);
    return before === undefined ? 'new' : before === claimant >>> 0 ? 'mine' : 'taken';
  }
  add(segmentId: string, claimant: number): Promise<void> {
    return this.keys.add(segmentId, claimant);
  }
  has(segmentId: string): Promise<boolean> {
    return this.keys.has(segmentId);
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
 * A SeenStore loaded from the compacted claims topic (a TopicKeySet: `catchUp()` at start,
 * `markStale()` after every rebalance). Writes do not go through the store: the stage emits the
 * claim record as an output, acknowledged before its input is committed. Between catch-ups the
 * store reads nothing: each replica only meets ids of partitions it owns.
 */
export class KafkaSeenStore extends InMemorySeenStore {
  private readonly topicKeys: TopicKeySet;

  constructor(o: KafkaSeenStoreOptions) {
    const keys = new TopicKeySet({ kafka: o.kafka, topic: o.topic, groupPrefix: `${o.groupPrefix}.seen`, tagOf: o.claimantOf, logger: o.logger });
    super(keys);
    this.topicKeys = keys;
  }

  catchUp(): Promise<void> {
    return this.topicKeys.catchUp();
  }

  markStale(): void {
    this.topicKeys.markStale();
  }

  close(): void {
    this.topicKeys.close();
  }
}
