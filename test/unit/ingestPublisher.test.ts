import { buildDocument } from '../../src/ingest/docId';
import { IngestPublisher, batchBudget } from '../../src/ingest/publisher';
import { ProducerSink } from '../../src/kafka/producerSink';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { createLogger } from '../../src/core/logger';
import { producerDouble } from '../helpers/producerDouble';

let serde: Serde;
beforeAll(async () => {
  serde = await createSerde({ env: {} });
});

/** A producer that records each request's size and how many requests overlap. */
function fakeProducer() {
  let inFlight = 0;
  let maxInFlight = 0;
  const double = producerDouble({
    delay: async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
    },
  });
  const requests = (): number[] => double.calls.map((batch) => (batch.topicMessages ?? []).flatMap((t) => t.messages).reduce((n, m) => n + (m.value as Buffer).length, 0));
  return { producer: double.producer, requests, maxInFlight: () => maxInFlight };
}

const doc = (i: number, size: number) =>
  buildDocument({ url: `u${i}`, source_file: 'f.warc', source_offset: i, source_line: null, content: 'x'.repeat(size), content_type: 'text/html', charset: 'utf-8', fetched_at: null }, 0);

test('requests stay under the topic limit, one at a time; a document too big for the topic becomes a problem', async () => {
  const fake = fakeProducer();
  const sink = new ProducerSink(fake.producer, { logger: createLogger({}, 'error'), maxBatchBytes: batchBudget(1024 * 1024) });
  const publisher = new IngestPublisher(sink, serde, { topic: 'docs', dlq: 'dlq', maxMessageBytes: 1024 * 1024, now: () => 0 });
  for (let i = 0; i < 200; i++) expect(await publisher.document(doc(i, 30_000))).toBeUndefined();
  const tooBig = await publisher.document(doc(999, 2 * 1024 * 1024));
  expect(tooBig).toMatchObject({ reason: 'ingest.too-large', file: 'f.warc', offset: 999 });
  expect(tooBig!.message).toMatch(/does not fit topic docs \(max\.message\.bytes 1048576\)/);
  await publisher.problem(tooBig!, 'f.warc');
  await publisher.flush();
  expect(fake.requests().length).toBeGreaterThan(5);
  for (const bytes of fake.requests()) expect(bytes).toBeLessThanOrEqual(1024 * 1024);
  expect(fake.requests().reduce((a, b) => a + b, 0)).toBeGreaterThan(200 * 30_000);
  expect(fake.maxInFlight()).toBe(1);
  await sink.close();
});
