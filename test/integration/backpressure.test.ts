/** The runner fetches no more than `maxInFlight` unfinished records, however large the backlog. */
import { Registry } from 'prom-client';
import { createStageMetrics } from '../../src/metrics/stageMetrics';
import { KafkaStageRunner } from '../../src/runtime/kafkaStageRunner';
import { createLogger } from '../../src/core/logger';
import { createTopics, testKafka, uniqueName, waitFor } from '../helpers/kafka';
import { groupCaughtUp } from '../helpers/pipeline';
import { Partitioners } from 'kafkajs';
import { Observable } from 'rxjs';
import type { OutgoingRecord } from '../../src/kafka/producerSink';
import type { Attempted } from '../../src/core/retryPolicy';

const kafka = testKafka();

it('stops fetching while maxInFlight records are unfinished and resumes as they finish', async () => {
  const topic = uniqueName('bp');
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [topic], 2);
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })) });
  await producer.disconnect();

  let outstanding = 0;
  let peak = 0;
  let finished = 0;
  const release: Array<() => void> = [];
  const groupId = uniqueName('bp-group');
  const runner = new KafkaStageRunner({
    stage: 'bp',
    groupId,
    inputTopic: topic,
    kafka,
    maxInFlight: 50,
    concurrency: 1000,
    logger: createLogger({ test: 'backpressure' }, 'warn'),
    metrics: createStageMetrics(new Registry(), 'bp'),
    // A stage that only finishes a record when the test lets it: the backlog cannot drain by itself.
    work: {
      attempt: () =>
        new Observable<Attempted<OutgoingRecord[]>>((subscriber) => {
          outstanding += 1;
          peak = Math.max(peak, outstanding);
          release.push(() => {
            outstanding -= 1;
            finished += 1;
            subscriber.next({ ok: true, value: [], attempts: 1 });
            subscriber.complete();
          });
        }),
      deadLetter: () => Promise.resolve([]),
    },
  });
  await runner.start();
  try {
    await waitFor(() => outstanding === 50, { what: '50 records in flight' });
    // Give the consumer time to (wrongly) fetch more; it must not.
    await new Promise((r) => setTimeout(r, 1500));
    expect(outstanding).toBe(50);
    while (finished < 2000) {
      await waitFor(() => release.length > 0, { what: `more records after ${finished} finished` });
      release.splice(0).forEach((r) => r());
      expect(outstanding).toBeLessThanOrEqual(50);
    }
    await waitFor(() => groupCaughtUp(kafka, groupId, topic), { what: 'offsets committed to the end' });
  } finally {
    release.splice(0).forEach((r) => r());
    await runner.stop();
  }
  expect(peak).toBe(50);
  expect(finished).toBe(2000);
});
