import type { CuratedExampleRecord } from '../records/types';
import { curatedKey, keyPrefix } from './keys';
import { partitionKey } from '../kafka/offsets';
import type { OffsetRange } from './manifest';
import type { BufferedRecord } from './snapshotBatch';

/**
 * Records read since the last snapshot and the offsets they span. Nothing here is committed: a
 * crash or a rebalance simply drops the buffer and Kafka hands the same records over again.
 */
export class SnapshotBuffer {
  private records: BufferedRecord[] = [];
  private readonly extents = new Map<string, OffsetRange>();
  /** Keys of the buffered records not in an earlier snapshot: the count the snapshot policy watches. */
  private readonly fresh = new Set<bigint>();

  constructor(
    private readonly seen: (prefix: bigint) => boolean,
    private readonly iteration: number | undefined,
  ) {}

  /** Marks an offset as read; tombstones and undecodable records are covered without a record. */
  cover(topic: string, partition: number, offset: number): void {
    const key = partitionKey(topic, partition);
    const r = this.extents.get(key);
    this.extents.set(key, r === undefined ? { topic, partition, from: offset, to: offset } : { ...r, from: Math.min(r.from, offset), to: Math.max(r.to, offset) });
  }

  add(topic: string, partition: number, offset: number, value: CuratedExampleRecord): void {
    this.cover(topic, partition, offset);
    this.records.push({ topic, partition, offset, value });
    // The policy's count; the snapshot itself decides duplicates exactly (buildSnapshotContent).
    const prefix = keyPrefix(curatedKey(value, this.iteration ?? value.iteration));
    if (!this.seen(prefix)) this.fresh.add(prefix);
  }

  has(topic: string, partition: number): boolean {
    return this.extents.has(partitionKey(topic, partition));
  }

  get newExamples(): number {
    return this.fresh.size;
  }

  get isEmpty(): boolean {
    return this.extents.size === 0;
  }

  get buffered(): readonly BufferedRecord[] {
    return this.records;
  }

  offsets(): OffsetRange[] {
    return [...this.extents.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  clear(): void {
    this.records = [];
    this.extents.clear();
    this.fresh.clear();
  }
}
