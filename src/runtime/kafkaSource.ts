import { Observable, type Subscriber } from 'rxjs';
import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { StageMetrics } from '../metrics/stageMetrics';
import { backoffDelay, sleep } from '../core/backoff';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { PartitionOffsets, type OffsetEntry } from './partitionOffsets';
import { BROKER_CALL_POLICY, DEFAULT_RETRY_POLICY, retrying } from '../core/retryPolicy';
import type { InputMessage } from './stageWork';

/** A fetched record on its way through the stage, and its partition's entry for the committable offset. */
export class ConsumedRecord implements InputMessage, OffsetEntry {
  finished = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: IHeaders | undefined,
    readonly fetchedAt: number,
    private readonly release: () => void,
  ) {}

  /** Its outputs are acknowledged (or it was dead-lettered): its offset may be committed, its slot is free. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
  }
}

export interface KafkaSourceOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** Records emitted and not finished at most: fetching pauses while this many are in flight. */
  maxInFlight: number;
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  logger: Logger;
  metrics: StageMetrics;
  now: () => number;
  /** Called after every group join, before records of the new assignment are emitted. */
  onRebalance?: () => void;
}

/**
 * The input topic as an Observable of records, with backpressure: a kafkajs consumer whose eachBatch
 * emits each record and waits (heartbeating) while `maxInFlight` emitted records are unfinished, so
 * kafkajs fetches no further and memory stays flat whatever the backlog. It also owns what the
 * group needs: the committable offset of each partition (only past finished records), commits, the
 * current generation (offsets are forgotten on every rebalance: the records are fetched again), and
 * a fresh consumer after a backoff when kafkajs gives one up (CRASH without restart).
 */
export class KafkaSource {
  readonly records: Observable<ConsumedRecord>;
  private subscriber: Subscriber<ConsumedRecord> | undefined;
  private consumer: Consumer | undefined;
  private offsets = new Map<number, PartitionOffsets>();
  private inFlight = 0;
  /** Batches waiting for a slot (up to one per partition consumed at once). */
  private waiters: Array<() => void> = [];
  private readonly release = (): void => {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  };
  private stopping = false;
  private crashes = 0;
  private committing: Promise<void> | undefined;
  private nextCommit: Promise<void> | undefined;
  joined = false;

  constructor(private readonly o: KafkaSourceOptions) {
    this.records = new Observable((subscriber) => {
      this.subscriber = subscriber;
      return () => (this.subscriber = undefined);
    });
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  async start(): Promise<void> {
    const consumer = this.o.kafka.consumer({ groupId: this.o.groupId, sessionTimeout: this.o.sessionTimeoutMs, heartbeatInterval: 3000, allowAutoTopicCreation: false });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.offsets = new Map();
      this.o.onRebalance?.();
      this.o.logger.info('joined group', { group: this.o.groupId, assignment: e.payload.memberAssignment });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false;
      this.o.metrics.consumerCrashed();
      this.o.logger.error('consumer crashed', { error: errorMessage(e.payload.error), kafkajsRestarts: e.payload.restart });
      if (!e.payload.restart && !this.stopping) void this.restart();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: this.o.fromBeginning });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 4, eachBatch: (payload) => this.onBatch(payload) });
  }

  /** kafkajs gave up on the consumer: a fresh one after the infrastructure backoff, as long as we are running. */
  private async restart(): Promise<void> {
    this.crashes += 1;
    const delay = backoffDelay(this.crashes, DEFAULT_RETRY_POLICY.infrastructure);
    this.o.logger.warn('restarting consumer', { inMs: delay });
    await this.consumer?.disconnect().catch(() => undefined);
    await sleep(delay);
    if (this.stopping) return;
    try {
      await this.start();
      this.crashes = 0;
    } catch (err) {
      this.o.logger.error('consumer restart failed', { error: errorMessage(err) });
      void this.restart();
    }
  }

  // eslint-disable-next-line @typescript-eslint/unbound-method -- kafkajs hands these over as closures, not methods
  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    let offsets = this.offsets.get(batch.partition);
    if (offsets === undefined) this.offsets.set(batch.partition, (offsets = new PartitionOffsets()));
    const live = (): boolean => !this.stopping && isRunning() && !isStale();
    let emitted = 0;
    let beatAt = this.o.now();
    fetch: for (const message of batch.messages) {
      // Checked again after every wait: other partitions' batches may have taken the freed slots.
      // A heartbeat at least every second: it is how a rebalance reaches a member that never waits.
      while (this.inFlight >= this.o.maxInFlight || this.o.now() - beatAt > 1000) {
        if (!(await this.pause(heartbeat, live))) break fetch;
        beatAt = this.o.now();
      }
      if (!live()) break;
      const record = new ConsumedRecord(batch.topic, batch.partition, message.offset, message.key, message.value, message.headers, this.o.now(), this.release);
      offsets.add(record);
      this.inFlight += 1;
      emitted += 1;
      this.subscriber?.next(record);
    }
    if (emitted > 0) {
      resolveOffset(batch.messages[emitted - 1].offset);
      this.o.metrics.consumed(batch.topic, emitted);
    }
    // Control records (transaction markers) have offsets but no message: count them as fetched.
    if (emitted === batch.messages.length && emitted > 0) offsets.fetchedUpTo(batch.lastOffset());
    await heartbeat();
  }

  /** Heartbeats, then waits up to a second for a slot if none is free; false if we must stop emitting. */
  private async pause(heartbeat: () => Promise<void>, live: () => boolean): Promise<boolean> {
    if (!live()) return false;
    try {
      await heartbeat();
    } catch (err) {
      if (isRebalanceError(err)) throw err; // kafkajs rejoins; records not emitted are fetched again
    }
    if (this.inFlight >= this.o.maxInFlight) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        }, 1000);
        this.waiters.push(wake);
      });
    }
    return live();
  }

  /**
   * Commits each partition's offset past its finished prefix; a failure (e.g. mid-rebalance) is
   * retried next time. One commit request at a time: a call during one runs once it is done.
   */
  commit(): Promise<void> {
    if (this.committing) {
      this.nextCommit ??= this.committing.then(() => {
        this.nextCommit = undefined;
        return this.commit();
      });
      return this.nextCommit;
    }
    this.committing = this.commitOnce().finally(() => (this.committing = undefined));
    return this.committing;
  }

  private async commitOnce(): Promise<void> {
    try {
      await this.commitOrThrow();
    } catch (err) {
      this.o.logger.debug('commit failed; will retry', { error: errorMessage(err) });
    }
  }

  private async commitOrThrow(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets = [...this.offsets].flatMap(([partition, p]) => {
      const offset = p.committable();
      return offset === undefined ? [] : [{ partition, offset, p }];
    });
    if (offsets.length === 0) return;
    await consumer.commitOffsets(offsets.map(({ partition, offset }) => ({ topic: this.o.topic, partition, offset })));
    offsets.forEach(({ offset, p }) => p.markCommitted(offset));
  }

  /**
   * The last commit before leaving the group, when no later tick would retry it: under the broker-call
   * policy (a leader election is waited out). If it still fails, the records since the previous
   * commit go to the next owner again (at least once), which the log says.
   */
  async commitFinal(): Promise<void> {
    await (this.nextCommit ?? this.committing);
    try {
      await retrying(() => this.commitOrThrow(), BROKER_CALL_POLICY);
    } catch (err) {
      this.o.logger.warn('last commit failed; records since the previous commit will be processed again by the next owner', { error: errorMessage(err) });
    }
  }

  /** Stops emitting: the record stream completes; the consumer stays in the group to commit. */
  stopFetching(): void {
    this.stopping = true;
    this.consumer?.pause([{ topic: this.o.topic }]);
    this.waiters.splice(0).forEach((wake) => wake());
    this.subscriber?.complete();
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch((err) => this.o.logger.warn('consumer disconnect failed', { error: errorMessage(err) }));
  }
}

/** kafkajs errors that mean "rejoin the group" (its own isRebalancing, plus a forgotten member). */
function isRebalanceError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}
