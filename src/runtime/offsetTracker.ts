/**
 * Tracks the records of one partition that were dispatched but not finished, so that the offset
 * committed is always one past a prefix of finished records: never skip an unfinished record,
 * whatever order concurrent work completes in. Offsets may have gaps (compaction, transaction
 * markers), so pending offsets are kept as a set, not a counter.
 */
export class OffsetTracker {
  private readonly pending = new Set<bigint>();
  /** One past the highest offset known to be dispatched or skipped. */
  private high: bigint | undefined;
  private lastCommitted: bigint | undefined;

  add(offset: string): void {
    const o = BigInt(offset);
    this.pending.add(o);
    this.seenUpTo(o);
  }

  done(offset: string): void {
    this.pending.delete(BigInt(offset));
  }

  /** Everything up to and including `offset` was fetched (e.g. a batch ending in control records). */
  seenUpTo(offset: string | bigint): void {
    const next = BigInt(offset) + 1n;
    if (this.high === undefined || next > this.high) this.high = next;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The offset to commit now (next record to read), or undefined when nothing new is safe to commit. */
  committable(): string | undefined {
    if (this.high === undefined) return undefined;
    let next = this.high;
    for (const o of this.pending) if (o < next) next = o;
    if (this.lastCommitted !== undefined && next <= this.lastCommitted) return undefined;
    return next.toString();
  }

  markCommitted(offset: string): void {
    this.lastCommitted = BigInt(offset);
  }
}
