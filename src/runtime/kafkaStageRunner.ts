import { map, type OperatorFunction, type Subscription } from 'rxjs';
import { type CompressionTypes, type Kafka } from 'kafkajs';
import { ProducerSink, type OutgoingRecord } from '../kafka/producerSink';
import type { StageMetrics } from '../metrics/stageMetrics';
import { sleep } from '../core/backoff';
import { awaitEach } from './awaitEach';
import { ConfigError, PoisonRecordError, errorMessage } from '../core/errors';
import { KafkaSource, type ConsumedRecord } from './kafkaSource';
import { ingestedAt } from './lineage';
import type { Logger } from '../core/logger';
import { mergeMapByKey } from './mergeMapByKey';
import type { Attempted } from '../core/retryPolicy';
import type { InputMessage, StageWork } from './stageWork';

export interface KafkaStageRunnerOptions {
  stage: string;
  groupId: string;
  inputTopic: string;
  kafka: Kafka;
  /** The stage's typed part: decode, its projection, encode, dead letters (stageWork.ts). */
  work: StageWork;
  /** Records in the stage's work at once. */
  concurrency: number;
  /** Records fetched and not yet finished at most. */
  maxInFlight: number;
  /** Producer compression of the outputs (the client setting compression.type). */
  compression?: CompressionTypes;
  fromBeginning?: boolean;
  commitIntervalMs?: number;
  sessionTimeoutMs?: number;
  logger: Logger;
  metrics: StageMetrics;
  now?: () => number;
  /** Aborted when the runner stops: cuts the stage's calls and retry waits short. */
  abort?: AbortController;
  /** Called after every group join, before records of the new assignment are emitted. */
  onRebalance?: () => void;
}

/**
 * A stage on Kafka, as one RxJS pipeline from consume to commit:
 *
 *   records (KafkaSource: fetching pauses while maxInFlight records are unfinished)
 *     -> mergeMapByKey(work, concurrency)   decode, the stage's projection, encode, under the retry
 *                                           policy; one record per key at a time, so key order holds
 *     -> awaitEach(produce)                 its outputs, or its dead letter (failed for good, or outputs
 *                                           the broker refused as too large); acks=all, idempotent
 *     -> finish                             its offset joins the committable prefix (committed every
 *                                           second, and at once when nothing is in flight)
 *
 * The two middle steps are processRecords() (below), which tests drive without a broker. The producer
 * sink sends in the order records reach it, so two records of one key (processed one after the
 * other) are written in that order. stop() stops fetching, lets the pipeline drain, commits.
 */
export class KafkaStageRunner {
  private readonly source: KafkaSource;
  private sink: ProducerSink | undefined;
  private subscription: Subscription | undefined;
  /** Resolves when the pipeline ended: every emitted record finished (or the pipeline failed). */
  private ended: Promise<void> = Promise.resolve();
  private commitTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly abort: AbortController;
  private readonly now: () => number;
  private lastProgressAt = 0;
  private fatalError: ConfigError | undefined;
  private readonly fatalListeners: Array<(err: ConfigError) => void> = [];

  constructor(private readonly o: KafkaStageRunnerOptions) {
    this.abort = o.abort ?? new AbortController();
    this.now = o.now ?? Date.now;
    this.source = new KafkaSource({
      kafka: o.kafka,
      groupId: o.groupId,
      topic: o.inputTopic,
      maxInFlight: o.maxInFlight,
      fromBeginning: o.fromBeginning ?? true,
      sessionTimeoutMs: o.sessionTimeoutMs ?? 30_000,
      logger: o.logger,
      metrics: o.metrics,
      now: this.now,
      onRebalance: o.onRebalance,
    });
  }

  /**
   * Connects, joins and starts the pipeline. If that fails (the broker went away mid-start), what
   * opened is closed before the error is thrown, with nothing committed (nothing was processed), so
   * the caller can start afresh and no half-started consumer stays in the group.
   */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (err) {
      this.abort.abort();
      this.subscription?.unsubscribe();
      await this.closeClients();
      throw err;
    }
    this.commitTimer = setInterval(() => void this.commit(), this.o.commitIntervalMs ?? 1000);
  }

  private async open(): Promise<void> {
    const sink = await ProducerSink.open(this.o.kafka, { logger: this.o.logger, compression: this.o.compression, onResent: (topic, n) => this.o.metrics.resent(topic, n) });
    this.sink = sink;
    let end = (): void => undefined;
    this.ended = new Promise((resolve) => (end = resolve));
    this.subscription = this.source.records
      .pipe(processRecords({ work: this.o.work, concurrency: this.o.concurrency, produce: (record, attempted) => this.produce(sink, record, attempted) }))
      .subscribe({
        next: (record) => this.finish(record),
        error: (err: unknown) => {
          end();
          this.fail(err instanceof ConfigError ? err : new ConfigError(`stage ${this.o.stage} failed: ${errorMessage(err)}`, { cause: err }));
        },
        complete: end,
      });
    await this.source.start();
  }

  /**
   * The record, once its outputs (or its dead letter) are acknowledged; outputs the broker refuses as
   * too large make a dead letter. Only a closed sink fails a send (outputs are retried until
   * acknowledged): then the record stays unfinished, undefined here.
   */
  private async produce(sink: ProducerSink, record: ConsumedRecord, a: Attempted<OutgoingRecord[]>): Promise<ConsumedRecord | undefined> {
    const { work } = this.o;
    let sent: OutgoingRecord[] = [];
    try {
      sent = a.ok ? a.value : await work.deadLetter(record, a);
      try {
        await sink.send(sent);
      } catch (err) {
        if (!(err instanceof PoisonRecordError)) throw err;
        sent = await work.deadLetter(record, { reason: err.reason, message: err.message, attempts: 1 });
        await sink.send(sent);
      }
    } catch {
      return undefined;
    }
    for (const out of sent) this.o.metrics.produced(out.topic, 1);
    return record;
  }

  private finish(record: ConsumedRecord): void {
    record.finish();
    this.lastProgressAt = this.now();
    this.o.metrics.finished(record.fetchedAt, this.lastProgressAt, ingestedAt(record.headers));
    // Ran dry (the backlog is done, or the stage waits for its input): commit now, not at the next tick,
    // so the group's lag reads 0 as soon as the work is.
    if (this.source.inFlightCount === 0 && !this.stopping) void this.commit();
  }

  /** Commits every partition's offset past its finished prefix. */
  async commit(): Promise<void> {
    this.o.metrics.setInFlight(this.source.inFlightCount);
    await this.source.commit();
  }

  /** Graceful stop: stop fetching, let in-flight records finish, commit, leave the group. */
  async stop(drainTimeoutMs = 30_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.commitTimer);
    this.source.stopFetching();
    const timeout = new AbortController();
    const inTime = await Promise.race([this.ended.then(() => true), sleep(drainTimeoutMs, timeout.signal).then(() => false)]);
    timeout.abort(); // do not keep the process alive for the rest of the deadline
    if (!inTime) this.o.logger.warn('drain timed out; unfinished records will be reprocessed', { inFlight: this.source.inFlightCount });
    // Unfinished records (a drain timeout, a fatal error) are left uncommitted for the next owner.
    this.abort.abort();
    this.subscription?.unsubscribe();
    this.o.metrics.setInFlight(this.source.inFlightCount);
    await this.source.commitFinal();
    await this.closeClients();
  }

  private async closeClients(): Promise<void> {
    await this.source.close();
    await this.sink?.close();
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
    return { stage, groupId, input, joined: this.source.joined, stopped: this.stopping, inFlight: this.source.inFlightCount, lastProgressAt: this.lastProgressAt, sessionTimeoutMs: this.o.sessionTimeoutMs ?? 30_000 };
  }

  /** Records fetched and not yet finished, across partitions. */
  get inFlightCount(): number {
    return this.source.inFlightCount;
  }
}

export interface ProcessRecordsOptions<R extends InputMessage> {
  work: StageWork;
  /** Records in the stage's work at once. */
  concurrency: number;
  /** Writes a record's outputs (or its dead letter); resolves to the record once acknowledged, undefined if it must stay unfinished. */
  produce: (record: R, attempted: Attempted<OutgoingRecord[]>) => Promise<R | undefined>;
}

/**
 * The middle of the pipeline, apart from Kafka so tests can drive it: each record through the stage's
 * work (one record per key at a time, so key order holds), then produced; a record comes out only once
 * its outputs are acknowledged, and only then may its offset be committed.
 */
export function processRecords<R extends InputMessage>(o: ProcessRecordsOptions<R>): OperatorFunction<R, R> {
  // A record without a key is its own key: it waits for nobody.
  const keyOf = (r: R): string => r.key?.toString('latin1') ?? `${r.partition}:${r.offset}`;
  return (records) =>
    records.pipe(
      mergeMapByKey(keyOf, (record) => o.work.attempt(record).pipe(map((attempted) => ({ record, attempted }))), o.concurrency),
      awaitEach(({ record, attempted }) => o.produce(record, attempted)),
    );
}
