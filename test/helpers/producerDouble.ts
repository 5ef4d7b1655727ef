/**
 * A kafkajs producer double that answers the project's ProducerSink the way kafkajs does: each message
 * is placed by the producer's partitioner (over `partitions` partitions per topic, every one with a
 * leader), and a resolved call returns one RecordMetadata per topic-partition it wrote. `unwritten`
 * picks topic-partitions a call leaves out while still resolving: the hole of kafkajs#1303, where a
 * partition whose leader moved to a broker that had already answered is never sent.
 */
import type { ICustomPartitioner, Message, PartitionMetadata, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { PinningPartitioner } from '../../src/kafka/partitioner';

export interface WrittenRecord {
  topic: string;
  partition: number;
  message: Message;
  /** The sendBatch call (1-based) that wrote it. */
  call: number;
}

export interface ProducerDoubleOptions {
  partitions?: number;
  createPartitioner?: ICustomPartitioner;
  /** True for a topic-partition the `call`-th sendBatch leaves unwritten yet resolves. */
  unwritten?: (call: number, topic: string, partition: number) => boolean;
  /** Awaited inside each call before it answers (to hold a request in flight). */
  delay?: (call: number) => Promise<void>;
}

export interface ProducerDouble {
  producer: Producer;
  /** Every sendBatch call, in order. */
  calls: ProducerBatch[];
  /** Records the "broker" holds, in write order. */
  written: WrittenRecord[];
  connects: number;
  disconnects: number;
}

export function producerDouble(o: ProducerDoubleOptions = {}): ProducerDouble {
  const partitions = o.partitions ?? 4;
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));
  const partitioner = (o.createPartitioner ?? PinningPartitioner)();
  const offsets = new Map<string, number>();
  const d: ProducerDouble = {
    calls: [],
    written: [],
    connects: 0,
    disconnects: 0,
    producer: undefined as unknown as Producer,
  };
  const sendBatch = async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    d.calls.push(batch);
    const call = d.calls.length;
    await o.delay?.(call);
    const answered = new Map<string, RecordMetadata>();
    for (const { topic, messages } of batch.topicMessages ?? []) {
      for (const message of messages) {
        const partition = partitioner({ topic, partitionMetadata, message });
        if (o.unwritten?.(call, topic, partition)) continue;
        const tp = `${topic}:${partition}`;
        const offset = offsets.get(tp) ?? 0;
        offsets.set(tp, offset + 1);
        if (!answered.has(tp)) answered.set(tp, { topicName: topic, partition, errorCode: 0, baseOffset: String(offset) });
        d.written.push({ topic, partition, message, call });
      }
    }
    return [...answered.values()];
  };
  // The double implements only what ProducerSink calls; kafkajs' own type describes far more.
  d.producer = {
    connect: async () => void (d.connects += 1),
    disconnect: async () => void (d.disconnects += 1),
    sendBatch,
  } as unknown as Producer;
  return d;
}
