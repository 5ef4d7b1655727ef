/** Helpers for runtime tests on the real broker: a throwaway passthrough topology, produce, collect. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
import { applyTopics } from '../../src/kafka/admin';
import type { Serde } from '../../src/kafka/serde/avroSerde';
import type { RecordTypeMap, RecordTypeName, SegmentRecord } from '../../src/records/types';
import { parseTopology, resolveTopology, type ResolvedTopology } from '../../src/topology/loader';
import { uniqueName, waitFor } from './kafka';
import { sampleSegment } from './sampleRecords';

export interface TestTopology {
  file: string;
  resolved: ResolvedTopology;
  input: string;
  output: string;
  dlq: string;
  groupId: string;
}

/** A passthrough topology whose topic, dead-letter and group names no other test uses, written to a temp file. */
export async function passthroughTopology(kafka: Kafka, opts: { partitions?: number; maxInFlight?: number; concurrency?: number; sessionTimeoutMs?: number } = {}): Promise<TestTopology> {
  const p = uniqueName('rt');
  const yaml = `
version: 1
name: ${p}
defaults: { partitions: ${opts.partitions ?? 4} }
topics:
  - { name: ${p}.in, schema: humpback.Segment }
  - { name: ${p}.out, schema: humpback.Segment }
stages:
  - name: ${p}-pass
    type: passthrough
    input: ${p}.in
    output: ${p}.out
    concurrency: ${opts.concurrency ?? 8}
    maxInFlight: ${opts.maxInFlight ?? 256}
    sessionTimeoutMs: ${opts.sessionTimeoutMs ?? 30000}
`;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-topo-')), 'topology.yaml');
  fs.writeFileSync(file, yaml);
  const resolved = resolveTopology(parseTopology(yaml, file));
  const admin = kafka.admin();
  await admin.connect();
  await applyTopics(admin, resolved.topics);
  await admin.disconnect();
  const stage = resolved.stages[0];
  return { file, resolved, input: stage.input, output: stage.output, dlq: stage.dlq, groupId: stage.groupId };
}

/** `count` segments over `keys` keys; segment_index is the record's sequence number within its key. */
export function keyedSegments(count: number, keys: number): SegmentRecord[] {
  const perKey = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const key = `key-${i % keys}`;
    const seq = perKey.get(key) ?? 0;
    perKey.set(key, seq + 1);
    return sampleSegment({ segment_id: key, segment_index: seq, text: `record ${i}`, char_count: `record ${i}`.length });
  });
}

export async function produceRecords<T extends RecordTypeName>(
  kafka: Kafka,
  serde: Serde,
  topic: string,
  type: T,
  records: Array<{ key: string; value: RecordTypeMap[T] } | { key: string; raw: Buffer }>,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < records.length; i += 1000) {
    const chunk = records.slice(i, i + 1000);
    const messages = await Promise.all(chunk.map(async (r) => ({ key: r.key, value: 'raw' in r ? r.raw : await serde.encode(type, r.value, topic) })));
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
}

export interface Collected<T> {
  key: string;
  value: T;
  partition: number;
  offset: string;
}

/** Reads a topic from the beginning into memory until stopped. */
export async function collect<T extends RecordTypeName>(kafka: Kafka, serde: Serde, topic: string, type: T) {
  const items: Array<Collected<RecordTypeMap[T]>> = [];
  // A test consumer may be handed the same record twice across its own rebalances: count each once.
  const seen = new Set<string>();
  const consumer = kafka.consumer({ groupId: uniqueName('collect') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      if (seen.has(`${partition}:${message.offset}`)) return;
      seen.add(`${partition}:${message.offset}`);
      items.push({ key: message.key?.toString() ?? '', value: await serde.decode(type, message.value!), partition, offset: message.offset });
    },
  });
  return {
    items,
    async waitForCount(n: number, timeoutMs = 60_000): Promise<void> {
      await waitFor(() => items.length >= n, { timeoutMs, what: `${n} records in ${topic} (have ${items.length})` });
    },
    stop: () => consumer.disconnect(),
  };
}

/** True when the group has committed every non-empty partition of `topic` up to its end offset (an empty partition has nothing to commit). */
export async function groupCaughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return ends.every((e) => e.high === e.low || committed.partitions.find((c) => c.partition === e.partition)?.offset === e.high);
  } finally {
    await admin.disconnect();
  }
}

/** Per key, the sequence numbers in the order they arrived. */
export function sequencesByKey(items: Array<Collected<SegmentRecord>>): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const { value } of items) byKey.set(value.segment_id, [...(byKey.get(value.segment_id) ?? []), value.segment_index]);
  return byKey;
}

/** Records in a topic right now, from the broker's offsets (not from what a consumer happened to read). */
export async function topicRecordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}
