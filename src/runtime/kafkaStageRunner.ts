import { Partitioners, type CompressionTypes, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import { ProducerSink, type OutgoingRecord } from '../kafka/producerSink';
import type { StageMetrics } from '../metrics/stageMetrics';
import { backoffDelay, sleep } from './backoff';
import { ConfigError, PoisonRecordError, errorMessage } from './errors';
import { KeyedSerializer } from './keyedSerializer';
import type { Logger } from './logger';
import { OffsetTracker } from './offsetTracker';
import type { InputMessage } from './recordHandler';
import { ingestedAt } from './lineage';
import { Semaphore } from './semaphore';

export interface KafkaStageRunnerOptions {
  stage: string;
  groupId: string;
  inputTopic: string;
  kafka: Kafka;
  /** Per-record work: decode, process, encode (see recordHandler). Throws only for infrastructure failures. */
  handle: (msg: InputMessage) => Promise<OutgoingRecord[]>;
  /** The dead letter for an input whose outputs the broker refused for good (too large). */
  deadLetter?: (msg: InputMessage, reason: string, message: string) => Promise<OutgoingRecord[]>;
  maxInFlight: number;
  /** Producer compression of the outputs (the client setting compression.type). */
  compression?: CompressionTypes;
  fromBeginning?: boolean;
  commitIntervalMs?: number;
  sessionTimeoutMs?: number;
  logger: Logger;
  metrics: StageMetrics;
  now?: () => number;
  /** Aborted when the runner stops; share it with the record handler so retries stop too. */
  abort?: AbortController;
  /** Called after every group join, before records of the new assignment are dispatched. */
  onRebalance?: () => void;
}

/**
 * Binds a stage to Kafka: consume, dispatch up to `maxInFlight` records (fetching stops while full,
 * so memory is flat whatever the backlog), produce outputs with acks=all, and commit each
 * partition's offset only past records whose outputs the broker acknowledged (at-least-once).
 */
export class KafkaStageRunner {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private sink: ProducerSink | undefined;
  private readonly inFlight: Semaphore;
  private readonly keyed = new KeyedSerializer();
  private readonly tasks = new Set<Promise<void>>();
  /** Trackers of the current group generation; replaced on every rebalance. */
  private trackers = new Map<number, OffsetTracker>();
  private commitTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly abort: AbortController;
  private crashes = 0;
  private joined = false;
  private lastProgressAt = 0;
  private fatalError: ConfigError | undefined;
  private readonly fatalListeners: Array<(err: ConfigError) => void> = [];

  constructor(private readonly o: KafkaStageRunnerOptions) {
    this.inFlight = new Semaphore(o.maxInFlight);
    this.abort = o.abort ?? new AbortController();
  }

  async start(): Promise<void> {
    // Java-compatible murmur2 partitioning: the same key lands where Kafka's own tools would put it.
    this.producer = this.o.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.sink = new ProducerSink(this.producer, { logger: this.o.logger, compression: this.o.compression });
    await this.startConsumer();
    this.commitTimer = setInterval(() => void this.commit(), this.o.commitIntervalMs ?? 1000);
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.trackers = new Map();
      this.o.onRebalance?.();
      this.o.logger.info('joined group', { group: this.o.groupId, assignment: e.payload.memberAssignment });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false;
      this.o.metrics.consumerCrashed();
      this.o.logger.error('consumer crashed', { error: errorMessage(e.payload.error), kafkajsRestarts: e.payload.restart });
      if (!e.payload.restart && !this.stopping) void this.restartConsumer();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.inputTopic, fromBeginning: this.o.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** kafkajs gave up on the consumer: start a fresh one after a backoff, as long as we are running. */
  private async restartConsumer(): Promise<void> {
    this.crashes += 1;
    const delay = backoffDelay(this.crashes, { initialMs: 500, maxMs: 30_000 });
    this.o.logger.warn('restarting consumer', { inMs: delay });
    await this.consumer?.disconnect().catch(() => undefined);
    await sleep(delay, this.abort.signal);
    if (this.stopping) return;
    try {
      await this.startConsumer();
      this.crashes = 0;
    } catch (err) {
      this.o.logger.error('consumer restart failed', { error: errorMessage(err) });
      void this.restartConsumer();
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const tracker = this.trackerFor(batch.partition);
    let complete = true;
    for (const message of batch.messages) {
      if (!(await this.waitForSlot(heartbeat, () => isRunning() && !isStale()))) {
        complete = false;
        break;
      }
      tracker.add(message.offset);
      this.o.metrics.consumed(batch.topic);
      this.dispatch({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers }, tracker);
      resolveOffset(message.offset);
    }
    // Control records (transaction markers) have offsets but no message: count them as seen.
    if (complete && batch.messages.length > 0) tracker.seenUpTo(batch.lastOffset());
    await heartbeat();
  }

  /**
   * Waits for an in-flight slot, heartbeating meanwhile; false if we must stop dispatching. The
   * heartbeat goes before every record (kafkajs sends at most one per heartbeatInterval): it is how a
   * rebalance reaches a member that never waits for a slot, and a batch that went on dispatching
   * would keep every other member of the group waiting (new replicas would get no partitions).
   */
  private async waitForSlot(heartbeat: () => Promise<void>, live: () => boolean): Promise<boolean> {
    for (;;) {
      if (this.stopping || !live()) return false;
      try {
        await heartbeat();
      } catch (err) {
        if (isRebalanceError(err)) throw err; // kafkajs rejoins; undispatched records are fetched again
      }
      if (await this.inFlight.acquireWithin(1000)) {
        if (!this.stopping && live()) return true;
        this.inFlight.release();
        return false;
      }
    }
  }

  private trackerFor(partition: number): OffsetTracker {
    let t = this.trackers.get(partition);
    if (!t) this.trackers.set(partition, (t = new OffsetTracker()));
    return t;
  }

  private dispatch(msg: InputMessage, tracker: OffsetTracker): void {
    const started = (this.o.now ?? Date.now)();
    this.o.metrics.setInFlight(this.inFlight.inUse);
    const key = msg.key?.toString('latin1') ?? `${msg.partition}:${msg.offset}`;
    const task = this.keyed
      .run(key, () => this.handleUntilProduced(msg))
      .then((produced) => {
        if (produced) {
          tracker.done(msg.offset);
          this.lastProgressAt = (this.o.now ?? Date.now)();
          this.o.metrics.finished(started, (this.o.now ?? Date.now)(), ingestedAt(msg.headers));
        }
      })
      .finally(() => {
        this.inFlight.release();
        this.o.metrics.setInFlight(this.inFlight.inUse);
        this.tasks.delete(task);
      });
    this.tasks.add(task);
  }

  /** Infrastructure failures (broker, registry) are retried until they pass or we stop; false if we stopped first. */
  private async handleUntilProduced(msg: InputMessage): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        let outputs = await this.o.handle(msg);
        try {
          await this.sink!.send(outputs);
        } catch (err) {
          if (!(err instanceof PoisonRecordError) || !this.o.deadLetter) throw err;
          outputs = await this.o.deadLetter(msg, err.reason, err.message);
          await this.sink!.send(outputs);
        }
        for (const out of outputs) this.o.metrics.produced(out.topic, 1);
        return true;
      } catch (err) {
        if (this.abort.signal.aborted) return false;
        if (err instanceof ConfigError) {
          this.fail(err);
          return false;
        }
        this.o.logger.warn('record failed on infrastructure; retrying', { partition: msg.partition, offset: msg.offset, attempt, error: errorMessage(err) });
        await sleep(backoffDelay(attempt), this.abort.signal);
      }
    }
  }

  /** Commits every partition's safe offset; failures (e.g. during a rebalance) are retried next tick. */
  async commit(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets = [...this.trackers].flatMap(([partition, t]) => {
      const offset = t.committable();
      return offset === undefined ? [] : [{ topic: this.o.inputTopic, partition, offset, tracker: t }];
    });
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
      offsets.forEach(({ offset, tracker }) => tracker.markCommitted(offset));
    } catch (err) {
      this.o.logger.debug('commit failed; will retry', { error: errorMessage(err) });
    }
  }

  /** Graceful stop: stop fetching, finish in-flight records, commit, leave the group. */
  async stop(drainTimeoutMs = 30_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.commitTimer);
    this.consumer?.pause([{ topic: this.o.inputTopic }]);
    const timeout = new AbortController();
    const drained = Promise.allSettled([...this.tasks]).then(() => true);
    const inTime = await Promise.race([drained, sleep(drainTimeoutMs, timeout.signal).then(() => false)]);
    timeout.abort(); // do not keep the process alive for the rest of the deadline
    if (!inTime) this.o.logger.warn('drain timed out; unfinished records will be reprocessed', { inFlight: this.tasks.size });
    this.abort.abort();
    await this.commit();
    await this.consumer?.disconnect().catch((err) => this.o.logger.warn('consumer disconnect failed', { error: errorMessage(err) }));
    await this.sink?.close();
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** A set-up problem no retry can fix (e.g. the schema registry refuses our credentials): stop and report it. */
  private fail(err: ConfigError): void {
    if (this.fatalError) return;
    this.fatalError = err;
    this.o.logger.error('stage cannot go on', { error: err.message });
    void this.stop().then(() => this.fatalListeners.forEach((l) => l(err)));
  }

  /** Called once if the stage stopped on a configuration error (after it drained and committed). */
  onFatal(listener: (err: ConfigError) => void): void {
    this.fatalListeners.push(listener);
  }

  /** What health checks need: in the group, not stopped, and when a record last finished (0: never). */
  get status(): { stage: string; groupId: string; input: string; joined: boolean; stopped: boolean; inFlight: number; lastProgressAt: number; sessionTimeoutMs: number } {
    const { stage, groupId, inputTopic: input } = this.o;
    return { stage, groupId, input, joined: this.joined, stopped: this.stopping, inFlight: this.tasks.size, lastProgressAt: this.lastProgressAt, sessionTimeoutMs: this.o.sessionTimeoutMs ?? 30_000 };
  }

  /** Records dispatched and not yet finished, across partitions. */
  get inFlightCount(): number {
    return this.tasks.size;
  }
}

/** kafkajs errors that mean "rejoin the group" (its own isRebalancing, plus a forgotten member). */
function isRebalanceError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}
