import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/logger';
import { crashPointReached } from './faultInjection';
import { readHookRecord } from './hook';
import { KeyIndex } from './keyIndex';
import { partitionKey } from '../kafka/offsets';
import { listSnapshots, snapshotFrontier, type OffsetRange } from './manifest';
import type { SnapshotContent } from './snapshotBatch';
import { cleanTempDirs, writeSnapshot, type SnapshotPlan, type WrittenSnapshot } from './snapshotWriter';

export type StorePlan = Omit<SnapshotPlan, 'outDir' | 'content' | 'group'>;

/**
 * One snapshot folder (outDir) as the trainer of one consumer group sees it: the keys already
 * written (for dedup), how far its snapshots reach in each partition (for the restart after a crash
 * between the rename and the offset commit), and which snapshots still owe their hook.
 */
export class SnapshotStore {
  private constructor(
    readonly outDir: string,
    private readonly group: string,
    private readonly index: KeyIndex,
    private readonly frontier: Map<string, number>,
    private readonly logger: Logger,
    /** The newest finished snapshot's folder when the store was opened. */
    readonly newestAtOpen?: string,
  ) {}

  /** Cleans up after a crash (temp folders, a torn index) and loads what the folder holds. */
  static open(outDir: string, group: string, logger: Logger): SnapshotStore {
    fs.mkdirSync(outDir, { recursive: true });
    cleanTempDirs(outDir, logger);
    const manifests = listSnapshots(outDir, logger);
    const index = KeyIndex.open(outDir, manifests.map((m) => m.id), logger);
    logger.info('snapshot folder opened', { outDir, snapshots: manifests.length, keys: index.size });
    const newest = manifests[manifests.length - 1];
    return new SnapshotStore(outDir, group, index, snapshotFrontier(manifests, group), logger, newest && path.join(outDir, newest.id));
  }

  seen(prefix: bigint): boolean {
    return this.index.has(prefix);
  }

  /** The first offset of the partition no snapshot of this group covers, if any covers some. */
  frontierOf(topic: string, partition: number): number | undefined {
    return this.frontier.get(partitionKey(topic, partition));
  }

  /** Forgets frontiers past a partition's end offset (`ends`: partition key -> high): the topic was recreated. */
  forgetBeyond(ends: ReadonlyMap<string, number>): void {
    for (const [key, high] of ends) {
      const reach = this.frontier.get(key);
      if (reach === undefined || reach <= high) continue;
      this.logger.warn('snapshots reach past the end of the partition (topic recreated?): ignoring their offsets', { partition: key, reach, high });
      this.frontier.delete(key);
    }
  }

  /** Writes the snapshot atomically, then records its keys and reach; the caller commits after. */
  write(content: SnapshotContent, plan: StorePlan): WrittenSnapshot {
    const written = writeSnapshot({ ...plan, outDir: this.outDir, content, group: this.group });
    // In memory first: should the index append fail, the records still count as written here.
    this.advance(content.offsets);
    crashPointReached('rename');
    this.index.append(written.manifest.id, content.prefixes);
    this.logger.info('snapshot written', { dir: written.dir, examples: content.counts.examples, duplicatesDropped: content.counts.duplicates_dropped });
    return written;
  }

  /** Moves the frontier past ranges read without a snapshot (nothing new in them). */
  advance(ranges: readonly OffsetRange[]): void {
    for (const r of ranges) {
      const key = partitionKey(r.topic, r.partition);
      this.frontier.set(key, Math.max(this.frontier.get(key) ?? 0, r.to + 1));
    }
  }

  /** Snapshots of this folder whose hook has not run: none yet, or interrupted mid-run (recorded, not rerun). */
  awaitingHook(): string[] {
    return listSnapshots(this.outDir, this.logger)
      .map((m) => path.join(this.outDir, m.id))
      .filter((dir) => {
        const record = readHookRecord(dir);
        return record === undefined || record.status === 'started';
      });
  }
}
