/**
 * The stage runtime on the real broker, in process: order per key, dead letters, commits.
 * Crash and signal behaviour of a separate stage process is in stageProcess.test.ts.
 */
import { Registry } from 'prom-client';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { createLogger } from '../../src/core/logger';
import { startKafkaStage } from '../../src/topology/builder';
import { testKafka, waitFor } from '../helpers/kafka';
import { collect, groupCaughtUp, keyedSegments, passthroughTopology, produceRecords, sequencesByKey, topicRecordCount } from '../helpers/pipeline';

const kafka = testKafka();
const logger = createLogger({ test: 'stageRuntime' }, 'warn');
let serde: Serde;

beforeAll(async () => {
  serde = await createSerde();
});

it('passes every record through in key order per partition, dead-letters a poison record and keeps going', async () => {
  const topo = await passthroughTopology(kafka, { concurrency: 16, maxInFlight: 64 });
  const records = keyedSegments(3000, 40);
  const poison = Buffer.from('not avro at all');
  const truncated = (await serde.encode('humpback.Segment', records[0], topo.input)).subarray(0, 20);
  // Poison records sit between good records of the same keys: later records must still flow.
  const input = [
    ...records.slice(0, 1500).map((value) => ({ key: value.segment_id, value })),
    { key: 'key-7', raw: poison },
    { key: 'key-8', raw: truncated },
    ...records.slice(1500).map((value) => ({ key: value.segment_id, value })),
  ];
  await produceRecords(kafka, serde, topo.input, 'humpback.Segment', input);

  const out = await collect(kafka, serde, topo.output, 'humpback.Segment');
  const dlq = await collect(kafka, serde, topo.dlq, 'humpback.DeadLetter');
  const runner = await startKafkaStage(topo.resolved.stages[0], { kafka, serde, logger, registry: new Registry() });
  try {
    await out.waitForCount(records.length);
    await dlq.waitForCount(2);
    await waitFor(() => groupCaughtUp(kafka, topo.groupId, topo.input), { what: 'offsets committed up to the end of the input' });
  } finally {
    await runner.stop();
    await out.stop();
    await dlq.stop();
  }

  expect(await topicRecordCount(kafka, topo.output)).toBe(records.length);
  for (const [key, seqs] of sequencesByKey(out.items)) {
    expect({ key, seqs }).toEqual({ key, seqs: [...seqs].sort((a, b) => a - b) });
  }
  const letters = dlq.items.map((d) => d.value);
  expect(letters.map((l) => l.reason).sort()).toEqual(['decode.bad-magic-byte', 'decode.truncated']);
  const bad = letters.find((l) => l.reason === 'decode.bad-magic-byte')!;
  expect(bad).toMatchObject({ stage: topo.resolved.stages[0].name, source_topic: topo.input, attempts: 1 });
  expect(bad.value).toEqual(poison); // the original bytes, untouched, for a replay after a fix
  expect(bad.key?.toString()).toBe('key-7');
  expect(dlq.items.find((d) => d.value.reason === 'decode.bad-magic-byte')!.key).toBe('key-7');
});

it('stops gracefully: in-flight records finish and their offsets are committed', async () => {
  const topo = await passthroughTopology(kafka, { partitions: 2, maxInFlight: 32 });
  const records = keyedSegments(2000, 10);
  await produceRecords(kafka, serde, topo.input, 'humpback.Segment', records.map((value) => ({ key: value.segment_id, value })));
  const out = await collect(kafka, serde, topo.output, 'humpback.Segment');
  const first = await startKafkaStage(topo.resolved.stages[0], { kafka, serde, logger, registry: new Registry() });
  await out.waitForCount(200);
  await first.stop();
  const producedBeforeStop = out.items.length;

  const second = await startKafkaStage(topo.resolved.stages[0], { kafka, serde, logger, registry: new Registry() });
  try {
    await out.waitForCount(records.length);
    await waitFor(() => groupCaughtUp(kafka, topo.groupId, topo.input), { what: 'offsets committed up to the end of the input' });
  } finally {
    await second.stop();
    await out.stop();
  }
  expect(producedBeforeStop).toBeLessThan(records.length);
  expect(await topicRecordCount(kafka, topo.output)).toBe(records.length); // nothing twice
  expect(new Set(out.items.map((i) => `${i.value.segment_id}/${i.value.segment_index}`)).size).toBe(records.length);
});
