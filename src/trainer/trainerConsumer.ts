import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Serde } from '../kafka/serde/avroSerde';
import { PoisonRecordError, errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { crashPointReached } from './faultInjection';
import { HookRunner } from './hook';
import { commitWithRetry } from './kafkaOffsets';
import { partitionKey } from '../kafka/offsets';
import { readManifest } from './manifest';
import type { TrainerMetrics } from './metrics';
import { buildSnapshotContent } from './snapshotBatch';
import { SnapshotBuffer } from './snapshotBuffer';
import { SnapshotStore } from './snapshotStore';
import type { WrittenSnapshot } from './snapshotWriter';
import type { TrainerSettings } from './settings';

export interface TrainerConsumerOptions {
  kafka: Kafka;
  serde: Serde;
  settings: TrainerSettings;
  logger: Logger;
  metrics?: TrainerMetrics;
  now?: () => number;
}

/**
 * Curated topics -> snapshot folders, exactly once. Records are buffered (never committed) until the
 * policy or the caller asks for a snapshot; then: write the folder atomically, commit the offsets
 * past it, run the hook. A crash before the commit re-delivers the records; the store's frontier
 * (from the manifests' offset ranges) recognises them as written, so they are skipped and committed.
 */
export class TrainerConsumer {
  private consumer: Consumer | undefined;
  private store: SnapshotStore | undefined;
  private buffer: SnapshotBuffer | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private lastSnapshotAt: number;
  private readonly hooks: HookRunner | undefined;
  private readonly crashListeners: Array<(err: Error) => void> = [];
  /** Next offset to read per partition in this group generation (for "read up to the end"). */
  readonly positions = new Map<string, number>();
  lastProgressAt: number;

  constructor(private readonly o: TrainerConsumerOptions) {
    this.hooks = o.settings.hook && new HookRunner(o.settings.hook, o.logger, (status) => o.metrics?.hookFinished(status));
    this.lastSnapshotAt = this.lastProgressAt = this.now();
  }

  /**
   * Opens the snapshot folder (cleaning up after a crash) and runs hooks a crash left owed.
   * `ends` (the topics' end offsets) lets it forget frontiers of recreated topics.
   */
  open(ends: ReadonlyMap<string, number>): SnapshotStore {
    const { settings } = this.o;
    const store = SnapshotStore.open(settings.outDir, settings.group, this.o.logger);
    store.forgetBeyond(ends);
    this.store = store;
    this.buffer = new SnapshotBuffer((p) => store.seen(p), settings.iteration);
    if (this.hooks) for (const dir of store.awaitingHook()) this.hooks.start(dir, readManifest(dir));
    // The snapshot-age gauge survives restarts: it starts from the newest snapshot on disk.
    if (store.newestAtOpen) this.o.metrics?.snapshotWritten(readManifest(store.newestAtOpen), false);
    return store;
  }

  /** Joins the group and reads from the committed offsets (earliest without any). */
  async run(opts: { policy: boolean }): Promise<void> {
    const { settings, kafka } = this.o;
    const consumer = kafka.consumer({ groupId: settings.group, sessionTimeout: settings.sessionTimeoutMs, heartbeatInterval: 3000, allowAutoTopicCreation: false });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // Uncommitted records come again from the committed offsets in the new generation.
      this.generation += 1;
      this.positions.clear();
      void this.exclusive(async () => this.buffer?.clear());
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.o.logger.error('trainer consumer crashed', { error: errorMessage(payload.error), kafkajsRestarts: payload.restart });
      if (!payload.restart && !this.stopping) this.crashListeners.forEach((l) => l(payload.error));
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // Batches of control records only never reach eachBatch, but their offsets are read all the same.
      if (payload.batchSize === 0) this.advancePosition(payload.topic, payload.partition, Number(payload.lastOffset) + 1);
    });
    await consumer.connect();
    for (const topic of settings.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatch(p, opts.policy) });
    const minutes = settings.every?.minutes;
    if (opts.policy && minutes !== undefined) {
      this.timer = setInterval(() => {
        if (!this.stopping && this.now() - this.lastSnapshotAt >= minutes * 60_000) void this.exclusive(() => this.snapshotLocked('minutes', false));
      }, Math.min(1000, minutes * 60_000));
    }
  }

  // eslint-disable-next-line @typescript-eslint/unbound-method -- kafkajs hands these over as closures, not methods
  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload, policy: boolean): Promise<void> {
    const generation = this.generation;
    await this.exclusive(async () => {
      const store = this.store!;
      const buffer = this.buffer!;
      if (this.stopping || generation !== this.generation) return;
      const { topic, partition } = batch;
      const reach = store.frontierOf(topic, partition);
      if (!this.positions.has(partitionKey(topic, partition))) this.o.logger.info('reading partition', { topic, partition, from: batch.firstOffset(), snapshotsReach: reach });
      let skippedTo: number | undefined;
      for (const message of batch.messages) {
        const offset = Number(message.offset);
        if (reach !== undefined && offset < reach) skippedTo = offset + 1; // in a snapshot already
        else if (message.value === null) buffer.cover(topic, partition, offset);
        else {
          try {
            buffer.add(topic, partition, offset, await this.o.serde.decode('humpback.CuratedExample', message.value));
          } catch (err) {
            if (!(err instanceof PoisonRecordError)) throw err; // registry down: kafkajs retries the batch
            this.o.logger.error('undecodable curated record skipped', { topic, partition, offset, reason: err.reason, error: err.message });
            buffer.cover(topic, partition, offset);
          }
        }
        resolveOffset(message.offset);
      }
      this.advancePosition(topic, partition, Number(batch.lastOffset()) + 1);
      // Records below the frontier: the crash came between a snapshot and its commit. Commit now.
      if (skippedTo !== undefined && !buffer.has(topic, partition)) {
        this.o.logger.info('skipped records a snapshot already holds (a crash before its commit); committing past them', { topic, partition, upTo: skippedTo });
        await commitWithRetry(this.consumer!, [{ topic, partition, offset: skippedTo }], this.o.logger);
      }
      // Records that are all duplicates never reach the count: 4x bounds the buffer anyway.
      const every = this.o.settings.every?.examples;
      if (policy && every !== undefined && (buffer.newExamples >= every || buffer.buffered.length >= 4 * every)) await this.snapshotLocked('examples', false);
    });
    await heartbeat();
  }

  /** Called when kafkajs gives up on the consumer (it restarts itself after retriable errors). */
  onCrash(listener: (err: Error) => void): void {
    this.crashListeners.push(listener);
  }

  /** Records read since the last snapshot, duplicates included. */
  get bufferedRecords(): number {
    return this.buffer?.buffered.length ?? 0;
  }

  private advancePosition(topic: string, partition: number, next: number): void {
    const key = partitionKey(topic, partition);
    this.positions.set(key, Math.max(this.positions.get(key) ?? 0, next));
    this.lastProgressAt = this.now();
  }

  /**
   * Takes a snapshot of what is buffered now (nothing written when nothing is new); waits for a
   * running one. `seedOnly`: seed pairs not yet in a snapshot of this iteration make a snapshot by
   * themselves (on demand only: training on seed data alone is the paper's M0; the policy waits for
   * curated examples).
   */
  snapshot(reason = 'on demand', opts: { seedOnly?: boolean } = {}): Promise<WrittenSnapshot | undefined> {
    return this.exclusive(() => this.snapshotLocked(reason, opts.seedOnly === true));
  }

  private async snapshotLocked(reason: string, seedOnly: boolean): Promise<WrittenSnapshot | undefined> {
    const { settings, logger, metrics } = this.o;
    const store = this.store!;
    const buffer = this.buffer!;
    this.lastSnapshotAt = this.now();
    if (buffer.isEmpty && !seedOnly) return undefined;
    const offsets = buffer.offsets();
    const content = buildSnapshotContent({ records: buffer.buffered, seeds: settings.seeds, seen: (p) => store.seen(p), iteration: settings.iteration, offsets });
    let written: WrittenSnapshot | undefined;
    if (content.curatedLines > 0 || (seedOnly && content.examples.length > 0)) {
      written = store.write(content, { format: settings.format, sourceTag: settings.sourceTag, shardLines: settings.shardLines, topics: settings.topics, seedFile: settings.seedFile, hookConfigured: settings.hook !== undefined });
      metrics?.snapshotWritten(written.manifest);
    } else {
      store.advance(offsets);
      logger.info('nothing new since the last snapshot; committing past the duplicates', { reason, records: content.counts.records });
    }
    metrics?.duplicatesDropped(content.counts.duplicates_dropped);
    buffer.clear();
    if (this.consumer) await commitWithRetry(this.consumer, offsets.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.to + 1 })), logger);
    crashPointReached('commit');
    if (written) this.hooks?.start(written.dir, written.manifest);
    return written;
  }

  /** Graceful: a snapshot being written is finished; buffered records are left uncommitted; hooks finish. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    await this.exclusive(async () => undefined); // a snapshot being written completes
    await this.consumer?.disconnect().catch((err: unknown) => this.o.logger.warn('consumer disconnect failed', { error: errorMessage(err) }));
    await this.hooks?.drain();
  }

  /** Batches, snapshots and rebalance resets run one at a time, in arrival order. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}
