import { Registry } from 'prom-client';
import { PoisonRecordError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { retryPolicy } from '../../src/core/retryPolicy';
import { createSerde } from '../../src/kafka/serde/avroSerde';
import { createStageMetrics } from '../../src/metrics/stageMetrics';
import { KafkaStageRunner } from '../../src/runtime/kafkaStageRunner';
import { stageWork } from '../../src/runtime/stageWork';
import { batchOf, fakeKafka, until } from '../helpers/fakeKafka';

/**
 * The whole runner (source, work, produce, commit, stop) against kafkajs doubles: a toy stage over
 * numbers that drops even ones, copies odd ones and refuses 5 (a poison record).
 */
async function started() {
  const fake = fakeKafka();
  const serde = await createSerde({ env: {} });
  const work = stageWork<number, number>({
    stage: 'odd',
    outputTopic: 'out',
    dlqTopic: 'odd.dlq',
    decode: async (value) => Number(value.toString()),
    project: (n) => {
      if (n === 5) throw new PoisonRecordError('odd.five', 'five is refused');
      return n % 2 === 0 ? [] : [{ key: `n${n}`, value: n }];
    },
    encode: async (value) => Buffer.from(String(value)),
    serde,
    policy: retryPolicy(0),
    metrics: createStageMetrics(new Registry(), 'odd'),
    now: () => 0,
  });
  const r = new KafkaStageRunner({
    stage: 'odd',
    groupId: 'g.odd',
    inputTopic: 'in',
    kafka: fake.kafka,
    work,
    concurrency: 4,
    maxInFlight: 8,
    commitIntervalMs: 5,
    logger: createLogger({}, 'error', () => undefined),
    metrics: createStageMetrics(new Registry(), 'odd'),
  });
  await r.start();
  fake.join();
  return { fake, runner: r };
}

const topicsOf = (fake: ReturnType<typeof fakeKafka>) => fake.sent.flatMap((b) => b.topicMessages!.flatMap((t) => t.messages.map((m) => `${t.topic}:${String(m.value).slice(0, 20)}`)));

describe('KafkaStageRunner (kafkajs doubles)', () => {
  it('produces the outputs and the dead letters, then commits past every finished record', async () => {
    const { fake, runner } = await started();
    try {
      await fake.eachBatch(batchOf(0, [0, 1, 2, 3, 4, 5, 6, 7], { value: String }).payload);
      await until(() => fake.commits.some((c) => c.some((o) => o.offset === '8')));
      const produced = topicsOf(fake);
      expect(produced.filter((p) => p.startsWith('out:'))).toEqual(['out:1', 'out:3', 'out:7']);
      expect(produced.filter((p) => p.startsWith('odd.dlq:'))).toHaveLength(1);
      expect(runner.inFlightCount).toBe(0);
    } finally {
      await runner.stop(1000);
    }
  });

  it('stop() drains, commits and ends; a restart would find nothing to redo', async () => {
    const { fake, runner } = await started();
    await fake.eachBatch(batchOf(0, [10, 11], { value: String }).payload);
    await runner.stop(1000);
    expect(runner.status).toMatchObject({ stopped: true, inFlight: 0 });
    expect(fake.commits.at(-1)).toEqual([{ topic: 'in', partition: 0, offset: '12' }]);
  });
});
