import { type CompressionTypes, type Kafka } from 'kafkajs';
import type { Logger } from '../core/logger';
import { ProducerSink, type OutgoingRecord } from '../kafka/producerSink';
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
export async function replayDeadLetters(kafka: Kafka, serde: Serde, stage: ResolvedStage, logger: Logger, opts: { reason?: string; dryRun?: boolean; compression?: CompressionTypes } = {}): Promise<DlqReplayResult> {
  const group = `${stage.groupId}.dlq-replay${opts.reason ? `.${opts.reason}` : ''}`;
  const { records, ends } = await readToEndWithOffsets(kafka, stage.dlq, group);
  const byReason: Record<string, number> = {};
  const messages: OutgoingRecord[] = [];
  let skipped = 0;
  for (const r of records) {
    const letter = r.value && (await serde.decode('humpback.DeadLetter', r.value));
    if (!letter || letter.value === null || (opts.reason && letter.reason !== opts.reason)) {
      skipped += 1; // no original bytes (nothing to re-feed) or another reason
      continue;
    }
    byReason[letter.reason] = (byReason[letter.reason] ?? 0) + 1;
    messages.push({ topic: stage.input, key: letter.key, value: letter.value });
  }
  if (opts.dryRun || records.length === 0) return { refed: messages.length, skipped, byReason, group };
  const sink = await ProducerSink.open(kafka, { logger, compression: opts.compression });
  try {
    // One send per record: the sink packs them into requests under the broker's size limit.
    await Promise.all(messages.map((m) => sink.send([m])));
  } finally {
    await sink.close();
  }
  // Only after the broker acknowledged the re-fed records: a crash before this re-feeds them again (at least once).
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic: stage.dlq, partitions: [...ends].map(([partition, offset]) => ({ partition, offset: String(offset) })) }).finally(() => admin.disconnect());
  return { refed: messages.length, skipped, byReason, group };
}
