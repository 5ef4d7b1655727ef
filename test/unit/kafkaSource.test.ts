import { Registry } from 'prom-client';
import { createLogger } from '../../src/core/logger';
import { createStageMetrics } from '../../src/metrics/stageMetrics';
import { KafkaSource, type ConsumedRecord } from '../../src/runtime/kafkaSource';
import { batchOf, fakeKafka, until } from '../helpers/fakeKafka';

/**
 * KafkaSource against a test double of the kafkajs consumer: what it emits, when it stops fetching
 * (backpressure) and what it commits. The real consumer is exercised by the integration tests.
 */
async function started(maxInFlight: number) {
  const fake = fakeKafka();
  const source = new KafkaSource({
    kafka: fake.kafka,
    groupId: 'g',
    topic: 'in',
    maxInFlight,
    fromBeginning: true,
    sessionTimeoutMs: 30_000,
    logger: createLogger({}, 'error', () => undefined),
    metrics: createStageMetrics(new Registry(), 's'),
    now: Date.now,
  });
  const emitted: ConsumedRecord[] = [];
  const state = { completed: false };
  // One subscriber, as in the runner: the source feeds the last one that subscribed.
  source.records.subscribe({ next: (r) => emitted.push(r), complete: () => (state.completed = true) });
  await source.start();
  fake.join();
  return { fake, source, emitted, state };
}

describe('KafkaSource', () => {
  it('emits at most maxInFlight unfinished records, and fetches on as they finish', async () => {
    const { fake, source, emitted } = await started(2);
    const { payload, resolved } = batchOf(0, [10, 11, 12, 13]);
    const batch = fake.eachBatch(payload);
    await until(() => emitted.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(emitted.map((r) => r.offset)).toEqual(['10', '11']); // paused: the batch waits for a slot
    expect(source.inFlightCount).toBe(2);
    emitted[1].finish();
    await until(() => emitted.length === 3);
    emitted[0].finish();
    emitted[2].finish();
    await batch;
    expect(emitted.map((r) => r.offset)).toEqual(['10', '11', '12', '13']);
    expect(resolved).toEqual(['13']);
    expect(emitted[0].key?.toString()).toBe('k10');
  });

  it('commits each partition only past its finished prefix, and nothing twice', async () => {
    const { fake, source, emitted } = await started(10);
    await fake.eachBatch(batchOf(0, [0, 1, 2]).payload);
    await fake.eachBatch(batchOf(1, [5, 9], { lastOffset: 11 }).payload); // a gap (compaction), then control records up to 11
    const [p0a, p0b, p0c, p1a, p1b] = emitted;
    p0b.finish();
    p1a.finish();
    p1b.finish();
    await source.commit();
    expect(fake.commits).toEqual([[{ topic: 'in', partition: 0, offset: '0' }, { topic: 'in', partition: 1, offset: '12' }]]);
    await source.commit();
    expect(fake.commits).toHaveLength(1); // nothing new
    p0a.finish();
    p0c.finish();
    await source.commit();
    expect(fake.commits[1]).toEqual([{ topic: 'in', partition: 0, offset: '3' }]);
  });

  it('forgets the offsets of the previous generation on every rebalance (those records come again)', async () => {
    const { fake, source, emitted } = await started(10);
    await fake.eachBatch(batchOf(0, [0, 1]).payload);
    fake.join();
    emitted.forEach((r) => r.finish());
    await source.commit();
    expect(fake.commits).toEqual([]);
    expect(source.inFlightCount).toBe(0); // their slots are free all the same
  });

  it('stops emitting on stopFetching: the record stream completes', async () => {
    const { fake, source, state } = await started(1);
    const batch = fake.eachBatch(batchOf(0, [0, 1, 2]).payload);
    await until(() => source.inFlightCount === 1);
    source.stopFetching();
    await batch;
    expect(state.completed).toBe(true);
    expect(source.inFlightCount).toBe(1);
  });
});
