import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import { createSerde } from '../../src/kafka/serde/avroSerde';
import type { OutgoingRecord } from '../../src/kafka/producerSink';
import { createStageMetrics } from '../../src/metrics/stageMetrics';
import { batched } from '../../src/runtime/batched';
import { ConsumedRecord } from '../../src/runtime/kafkaSource';
import { processRecords } from '../../src/runtime/kafkaStageRunner';
import { PartitionOffsets } from '../../src/runtime/partitionOffsets';
import type { Attempted } from '../../src/core/retryPolicy';
import { retryPolicy } from '../../src/core/retryPolicy';
import { stageWork } from '../../src/runtime/stageWork';
import { until } from '../helpers/fakeKafka';

/**
 * The runner's pipeline without Kafka: a toy stage that works on batches (bufferTime/bufferCount via
 * batched()) and filters even numbers, and a sink whose acknowledgements the test hands out.
 */
async function pipeline() {
  const stop = new AbortController();
  const batches: number[][] = [];
  const project = batched<number, number>({ size: 3, maxWaitMs: 500, signal: stop.signal }, async (inputs) => {
    batches.push(inputs);
    return inputs.map((n) => (n % 2 === 0 ? [] : [{ key: `k${n}`, value: n * 10 }]));
  });
  const work = stageWork<number, number>({
    stage: 'toy',
    outputTopic: 'out',
    dlqTopic: 'toy.dlq',
    decode: async (value) => Number(value.toString()),
    project,
    encode: async (value) => Buffer.from(String(value)),
    serde: await createSerde({ env: {} }),
    policy: retryPolicy(0),
    metrics: createStageMetrics(new Registry(), 'toy'),
    now: () => 0,
  });
  const offsets = new PartitionOffsets();
  const produced: string[] = [];
  const acks = new Map<string, () => void>();
  // Like the producer sink: no outputs is acknowledged at once; outputs wait for the (test's) broker.
  const produce = (record: ConsumedRecord, a: Attempted<OutgoingRecord[]>): Promise<ConsumedRecord> => {
    const outputs = a.ok ? a.value : [];
    if (outputs.length === 0) return Promise.resolve(record);
    produced.push(...outputs.map((o) => String(o.value)));
    return new Promise((resolve) => acks.set(record.offset, () => resolve(record)));
  };
  const records = new Subject<ConsumedRecord>();
  records.pipe(processRecords({ work, concurrency: 100, produce })).subscribe((r) => r.finish());
  const send = (offset: number, key: string, n: number): void => {
    const record = new ConsumedRecord('in', 0, String(offset), Buffer.from(key), Buffer.from(String(n)), undefined, 0, () => undefined);
    offsets.add(record);
    records.next(record);
  };
  const ack = (offset: number): void => acks.get(String(offset))!();
  return { send, ack, acks, batches, produced, offsets, stop: () => stop.abort() };
}

describe('the stage pipeline (consume -> work -> produce -> commit), without Kafka', () => {
  it('a batching stage: every input, filtered ones included, is committed only after its own outputs and those before it are acknowledged', async () => {
    const p = await pipeline();
    try {
      // Offsets 0..4 with their own keys, then offset 5 with the key of offset 1.
      [0, 1, 2, 3, 4].forEach((n) => p.send(n, `key${n}`, n));
      p.send(5, 'key1', 5);
      await until(() => p.acks.size === 3);
      // bufferCount: 0,1,2 filled a batch; 5 waited for its key (1 was in the first batch), then joined 3 and 4.
      expect(p.batches).toEqual([
        [0, 1, 2],
        [3, 4, 5],
      ]);
      // Per-key order: 1's output reached the sink before 5's.
      expect(p.produced).toEqual(['10', '30', '50']);
      // 0, 2 and 4 were filtered and finished at once, but 1 is not acknowledged: nothing past it is committed.
      expect(p.offsets.committable()).toBe('1');
      p.ack(3);
      await until(() => p.offsets.pendingCount === 2);
      expect(p.offsets.committable()).toBe('1');
      p.ack(1);
      await until(() => p.offsets.pendingCount === 1);
      expect(p.offsets.committable()).toBe('5');
      p.ack(5);
      await until(() => p.offsets.pendingCount === 0);
      expect(p.offsets.committable()).toBe('6');
    } finally {
      p.stop();
    }
  });

  it('a batch that has not filled waits at most maxWaitMs (bufferTime) before it is worked on', async () => {
    const p = await pipeline();
    try {
      p.send(0, 'a', 7);
      await new Promise((r) => setTimeout(r, 10));
      expect(p.batches).toEqual([]); // waiting for company
      await until(() => p.acks.size === 1);
      expect(p.batches).toEqual([[7]]);
    } finally {
      p.stop();
    }
  });
});
