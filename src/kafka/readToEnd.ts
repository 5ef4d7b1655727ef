import type { IHeaders, Kafka } from 'kafkajs';
import { committedOffsets, partitionEnds, partitionKey, splitPartitionKey } from './offsets';

export interface RawRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/**
 * Every record of `topic` from the group's committed offsets (its start, for a new group) up to the
 * end the topic has now, as stored (bytes), in partition then offset order, with those ends. For
 * small topics (demo summaries, a capped copy, dead letters); commits nothing itself.
 */
export async function readToEnd(kafka: Kafka, topic: string, groupId: string): Promise<RawRecord[]> {
  return (await readToEndWithOffsets(kafka, topic, groupId)).records;
}

export async function readToEndWithOffsets(kafka: Kafka, topic: string, groupId: string): Promise<{ records: RawRecord[]; ends: Map<number, number> }> {
  const admin = kafka.admin();
  await admin.connect();
  const [ends, committed] = await Promise.all([partitionEnds(admin, [topic]), committedOffsets(admin, groupId, [topic])]).finally(() => admin.disconnect());
  const remaining = new Set([...ends].filter(([key, e]) => Math.max(e.low, committed.get(key) ?? e.low) < e.high).map(([key]) => key));
  const records: RawRecord[] = [];
  if (remaining.size > 0) {
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const key = partitionKey(topic, partition);
              const offset = Number(message.offset);
              const end = ends.get(key)!.high;
              if (offset < end) records.push({ partition, offset, key: message.key, value: message.value, headers: message.headers ?? {} });
              if (offset >= end - 1 && remaining.delete(key) && remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }
  const byPartition = new Map([...ends].map(([key, e]) => [splitPartitionKey(key).partition, e.high]));
  return { records: records.sort((a, b) => a.partition - b.partition || a.offset - b.offset), ends: byPartition };
}
