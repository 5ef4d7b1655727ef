/** One fetched record of a partition: finished once its outputs are acknowledged (or it was dead-lettered). */
export interface OffsetEntry {
  readonly offset: string;
  readonly finished: boolean;
}

/**
 * The committable offset of one partition: one past the longest prefix of fetched records that are
 * all finished, whatever order concurrent work finishes in. Records are added in offset order (the
 * order kafkajs delivers them); offsets may have gaps (compaction, transaction markers), so the
 * entries keep their own offsets. The queue only holds unfinished work and what finished after it.
 */
export class PartitionOffsets {
  private entries: OffsetEntry[] = [];
  private head = 0;
  /** One past the last record known finished, and one past the last offset fetched (control records included). */
  private finishedTo = -1n;
  private fetchedTo = -1n;
  private lastCommitted = -1n;

  /** Records come in offset order; the entry is read again at commit time to see whether it finished. */
  add(entry: OffsetEntry): void {
    this.entries.push(entry);
  }

  /** Everything up to and including `offset` was fetched (a batch may end in control records). */
  fetchedUpTo(offset: string): void {
    const next = BigInt(offset) + 1n;
    if (next > this.fetchedTo) this.fetchedTo = next;
  }

  /** The offset to commit now (the next record to read), or undefined when nothing new is safe to commit. */
  committable(): string | undefined {
    let passed: OffsetEntry | undefined;
    while (this.head < this.entries.length && this.entries[this.head].finished) passed = this.entries[this.head++];
    if (passed !== undefined) this.finishedTo = BigInt(passed.offset) + 1n;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    // Offsets are BigInts only here, once per commit: records carry kafkajs' strings.
    const waiting = this.entries[this.head];
    const next = waiting !== undefined ? BigInt(waiting.offset) : this.fetchedTo > this.finishedTo ? this.fetchedTo : this.finishedTo;
    return next > this.lastCommitted ? next.toString() : undefined;
  }

  markCommitted(offset: string): void {
    this.lastCommitted = BigInt(offset);
  }

  /** Records fetched and not finished. */
  get pendingCount(): number {
    let n = 0;
    for (let i = this.head; i < this.entries.length; i++) if (!this.entries[i].finished) n += 1;
    return n;
  }
}
