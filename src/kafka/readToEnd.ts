import type { IHeaders, Kafka } from 'kafkajs';
import { partitionEnds, partitionKey } from './offsets';

export interface RawRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/**
 * Every record of `topic` from its start up to the end it has now, as stored (bytes), in partition
 * then offset order. For small topics (demo summaries, a capped copy); commits nothing.
 */
export async function readToEnd(kafka: Kafka, topic: string, groupId: string): Promise<RawRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await partitionEnds(admin, [topic]).finally(() => admin.disconnect());
  const remaining = new Set([...ends].filter(([, e]) => e.high > e.low).map(([key]) => key));
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
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
