import type { IHeaders } from 'kafkajs';
import type { OperatorFunction } from 'rxjs';
import type { OutgoingRecord } from '../kafka/producerSink';
import type { Serde } from '../kafka/serde/avroSerde';
import type { RecordTypeMap, RecordTypeName } from '../records/types';
import type { StageOutput } from '../stages/stage';
import type { BackoffOptions } from './backoff';
import { toDeadLetter } from './deadLetter';
import { ConfigError, PoisonRecordError, errorMessage, isRetriable } from './errors';
import { lineageHeaders } from './lineage';
import { processRecord } from './processRecord';
import type { Semaphore } from './semaphore';
import type { StageMetrics } from '../metrics/stageMetrics';

export interface InputMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface RecordHandlerOptions<In, Out> {
  stage: string;
  inputType: RecordTypeName;
  outputType: RecordTypeName;
  outputTopic: string;
  dlqTopic: string;
  operator: OperatorFunction<In, StageOutput<Out>>;
  serde: Serde;
  workers: Semaphore;
  retries: number;
  backoff?: BackoffOptions;
  metrics: StageMetrics;
  now: () => number;
  signal?: AbortSignal;
}

/**
 * Turns one input message into the records to produce: decode, run the operator (bounded by the
 * worker semaphore, with retries), encode. Any per-record failure becomes one DeadLetter record
 * instead, so the caller always has something to produce and then an offset to commit. Only
 * infrastructure and configuration failures throw.
 */
export interface RecordHandler {
  /** Decode, process, encode: the records to produce for one input (its outputs, or one dead letter). */
  handle(msg: InputMessage): Promise<OutgoingRecord[]>;
  /** The dead letter for an input whose outputs failed later (e.g. refused by the broker as too large). */
  deadLetter(msg: InputMessage, reason: string, message: string): Promise<OutgoingRecord[]>;
}

export function createRecordHandler<In, Out>(o: RecordHandlerOptions<In, Out>): RecordHandler {
  const deadLetter = async (msg: InputMessage, reason: string, message: string, attempts: number, detail?: string): Promise<OutgoingRecord[]> => {
    o.metrics.deadLettered(reason);
    const record = toDeadLetter(
      { stage: o.stage, reason, message, detail, attempts, topic: msg.topic, partition: msg.partition, offset: msg.offset, key: msg.key, value: msg.value },
      o.now(),
    );
    return [{ topic: o.dlqTopic, key: msg.key, value: await o.serde.encode('humpback.DeadLetter', record, o.dlqTopic), headers: lineageHeaders(msg.headers) }];
  };

  async function handle(msg: InputMessage): Promise<OutgoingRecord[]> {
    try {
      if (msg.value === null) throw new PoisonRecordError('decode.empty', 'record has no value (tombstone)');
      const value = (await o.serde.decode(o.inputType, msg.value)) as unknown as In;
      const outcome = await o.workers.withPermit(() =>
        processRecord(o.operator, value, { retries: o.retries, backoff: o.backoff, signal: o.signal, onRetry: () => o.metrics.retried() }),
      );
      if (!outcome.ok) return deadLetter(msg, outcome.reason, outcome.message, outcome.attempts, outcome.detail);
      return await Promise.all(
        outcome.outputs.map(async (out) => {
          const topic = out.topic ?? o.outputTopic;
          const value = await o.serde.encode(o.outputType, out.value as unknown as RecordTypeMap[RecordTypeName], topic);
          return { topic, key: out.key, value, headers: lineageHeaders(msg.headers) };
        }),
      );
    } catch (err) {
      if (err instanceof PoisonRecordError) return deadLetter(msg, err.reason, err.message, 1, err.detail);
      // Infrastructure (registry unreachable: retriable) or set-up (registry refuses our credentials:
      // ConfigError) is not the record's fault; dead-lettering would bury every record. The runner decides.
      if (isRetriable(err) || err instanceof ConfigError) throw err;
      return deadLetter(msg, 'stage.unexpected', errorMessage(err), 1);
    }
  }

  return { handle, deadLetter: (msg, reason, message) => deadLetter(msg, reason, message, 1) };
}
