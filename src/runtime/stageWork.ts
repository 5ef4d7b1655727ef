import type { IHeaders } from 'kafkajs';
import { firstValueFrom, type Observable } from 'rxjs';
import type { OutgoingRecord } from '../kafka/producerSink';
import type { Serde } from '../kafka/serde/avroSerde';
import type { StageMetrics } from '../metrics/stageMetrics';
import type { Projection } from './projection';
import { toDeadLetter } from './deadLetter';
import { PoisonRecordError } from '../core/errors';
import { lineageHeaders } from './lineage';
import { attempt, type Attempted, type AttemptHooks, type RetryPolicy } from '../core/retryPolicy';

/** A record as fetched from the input topic. */
export interface InputMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface StageWorkOptions<In, Out> {
  stage: string;
  outputTopic: string;
  dlqTopic: string;
  decode: (value: Buffer) => Promise<In>;
  project: Projection<In, Out>;
  /** The output's value as written to `topic`. */
  encode: (value: Out, topic: string) => Promise<Buffer>;
  serde: Serde;
  policy: RetryPolicy;
  metrics: StageMetrics;
  now: () => number;
  hooks?: AttemptHooks;
}

export interface StageWork {
  /**
   * One input through decode, the stage's projection and encode, as attempts under the retry policy:
   * the records to produce, or why it failed for good. Errors only to stop the stage (ConfigError)
   * or when the stage is stopping (AbortError).
   */
  attempt(msg: InputMessage): Observable<Attempted<OutgoingRecord[]>>;
  /** The dead letter of an input that failed for good; an unreachable broker or registry is waited out. */
  deadLetter(msg: InputMessage, failure: Failure): Promise<OutgoingRecord[]>;
}

export interface Failure {
  reason: string;
  message: string;
  detail?: string;
  attempts: number;
}

/**
 * The part of a stage's pipeline that knows its record types: decode, the stage's projection, encode,
 * all under the retry policy as one attempt (src/core/retryPolicy.ts); a record that fails for good
 * becomes one DeadLetter with its reason, its attempts and its original bytes.
 */
export function stageWork<In, Out>(o: StageWorkOptions<In, Out>): StageWork {
  const hooks: AttemptHooks = {
    ...o.hooks,
    onRetry: (f) => {
      if (!f.infrastructure) o.metrics.retried();
      o.hooks?.onRetry?.(f);
    },
  };

  async function process(msg: InputMessage): Promise<OutgoingRecord[]> {
    if (msg.value === null) throw new PoisonRecordError('decode.empty', 'record has no value (tombstone)');
    const outputs = await o.project(await o.decode(msg.value));
    const headers = lineageHeaders(msg.headers);
    const records: OutgoingRecord[] = [];
    for (const out of outputs) {
      const topic = out.topic ?? o.outputTopic;
      records.push({ topic, key: out.key, value: await o.encode(out.value, topic), headers });
    }
    return records;
  }

  async function deadLetterRecords(msg: InputMessage, f: Failure): Promise<OutgoingRecord[]> {
    const record = toDeadLetter({ stage: o.stage, ...f, topic: msg.topic, partition: msg.partition, offset: msg.offset, key: msg.key, value: msg.value }, o.now());
    return [{ topic: o.dlqTopic, key: msg.key, value: await o.serde.encode('humpback.DeadLetter', record, o.dlqTopic), headers: lineageHeaders(msg.headers) }];
  }

  return {
    attempt: (msg) => attempt(() => process(msg), o.policy, hooks),
    deadLetter: async (msg, f) => {
      o.metrics.deadLettered(f.reason);
      // Writing a dead letter only fails on infrastructure, which the policy waits out.
      const written = await firstValueFrom(attempt(() => deadLetterRecords(msg, f), o.policy, hooks));
      if (!written.ok) throw new Error(`cannot write the dead letter of ${msg.topic}/${msg.partition}@${msg.offset}: ${written.message}`);
      return written.value;
    },
  };
}
