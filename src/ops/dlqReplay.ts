import { type CompressionTypes, type Kafka } from 'kafkajs';
import { JavaCompatiblePartitioner } from '../kafka/partitioner';
import { readToEndWithOffsets } from '../kafka/readToEnd';
import type { Serde } from '../kafka/serde/avroSerde';
import type { ResolvedStage } from '../topology/loader';

export interface DlqReplayResult {
  refed: number;
  skipped: number;
  byReason: Record<string, number>;
  group: string;
}

/**
 * Re-feeds a stage's dead letters after a fix: each dead letter's original key and bytes go back to
 * the stage's input topic, so the stage processes it again. A consumer group
 * (`<stage group>.dlq-replay`, one per --reason) remembers how far it got: a dead letter is re-fed
 * once, and a run with nothing new does nothing. Dead letters of other reasons are passed over.
 */
export async function replayDeadLetters(kafka: Kafka, serde: Serde, stage: ResolvedStage, opts: { reason?: string; dryRun?: boolean; compression?: CompressionTypes } = {}): Promise<DlqReplayResult> {
  const group = `${stage.groupId}.dlq-replay${opts.reason ? `.${opts.reason}` : ''}`;
  const { records, ends } = await readToEndWithOffsets(kafka, stage.dlq, group);
  const byReason: Record<string, number> = {};
  const messages: Array<{ key: Buffer | null; value: Buffer }> = [];
  let skipped = 0;
  for (const r of records) {
    const letter = r.value && (await serde.decode('humpback.DeadLetter', r.value));
    if (!letter || letter.value === null || (opts.reason && letter.reason !== opts.reason)) {
      skipped += 1; // no original bytes (nothing to re-feed) or another reason
      continue;
    }
    byReason[letter.reason] = (byReason[letter.reason] ?? 0) + 1;
    messages.push({ key: letter.key, value: letter.value });
  }
  if (opts.dryRun || records.length === 0) return { refed: messages.length, skipped, byReason, group };
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: JavaCompatiblePartitioner });
  await producer.connect();
  try {
    if (messages.length > 0) await producer.send({ topic: stage.input, acks: -1, compression: opts.compression, messages });
  } finally {
    await producer.disconnect();
  }
  // Only after the broker acknowledged the re-fed records: a crash before this re-feeds them again (at least once).
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic: stage.dlq, partitions: [...ends].map(([partition, offset]) => ({ partition, offset: String(offset) })) }).finally(() => admin.disconnect());
  return { refed: messages.length, skipped, byReason, group };
}
