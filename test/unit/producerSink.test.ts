/**
 * Issue 24: a produce call that resolves must have written every record it was given. kafkajs 2.2.4
 * can resolve a sendBatch while a partition whose leader moved was never sent (kafkajs#1303); the
 * producer double leaves such a partition out of a resolved call, as kafkajs does.
 */
import { createLogger } from '../../src/core/logger';
import { ProducerSink, type OutgoingRecord } from '../../src/kafka/producerSink';
import { JavaCompatiblePartitioner } from '../../src/kafka/partitioner';
import { producerDouble } from '../helpers/producerDouble';

const quiet = createLogger({}, 'error', () => undefined);
const record = (topic: string, key: string): OutgoingRecord => ({ topic, key, value: Buffer.from(`value of ${key}`) });
const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);

describe('ProducerSink after a resolved produce call', () => {
  it('sends again exactly the records of the partition the call left unwritten, before any send resolves', async () => {
    // Call 1 (one record) is held in flight while 40 callers queue up; call 2 carries their records
    // over two topics and "loses" partition 2 of topic out; everything else is written.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const d = producerDouble({ partitions: 4, delay: (call) => (call === 1 ? gate : Promise.resolve()), unwritten: (call, topic, partition) => call === 2 && topic === 'out' && partition === 2 });
    const resent: Array<[string, number]> = [];
    const sink = new ProducerSink(d.producer, { logger: quiet, onResent: (topic, n) => resent.push([topic, n]) });
    const first = sink.send([record('other', 'first')]);
    const resolvedAt: number[] = [];
    const sends = keys.map((k, i) => sink.send([record(i % 2 === 0 ? 'out' : 'other', k)]).then(() => resolvedAt.push(d.calls.length)));
    release();
    await Promise.all([first, ...sends]);

    expect(d.calls).toHaveLength(3);
    const secondCall = d.written.filter((w) => w.call === 2).map((w) => w.message.key);
    const lost = keys.filter((k) => !secondCall.includes(k));
    expect(lost.length).toBeGreaterThan(0);
    // The third call carries exactly the lost records, to the same partition.
    const third = d.calls[2].topicMessages!;
    expect(third.map((t) => t.topic)).toEqual(['out']);
    expect(third[0].messages.map((m) => m.key).sort()).toEqual([...lost].sort());
    expect(third[0].messages.every((m) => m.partition === 2)).toBe(true);
    // No caller's record finished before the re-send was written.
    expect(resolvedAt).toHaveLength(keys.length);
    expect(resolvedAt.every((calls) => calls === 3)).toBe(true);
    expect(resent).toEqual([['out', lost.length]]);
    // Every record now written exactly once.
    expect(d.written.map((w) => w.message.key).sort()).toEqual(['first', ...keys].sort());
    await sink.close();
  });

  it('keeps sending until the response covers every partition (the hole met twice in a row)', async () => {
    const d = producerDouble({ partitions: 3, unwritten: (call, _topic, partition) => call <= 2 && partition === 0 });
    const sink = new ProducerSink(d.producer, { logger: quiet });
    await sink.send(keys.map((k) => record('out', k)));
    expect(d.calls).toHaveLength(3);
    expect(d.written.map((w) => w.message.key).sort()).toEqual([...keys].sort());
    await sink.close();
  });

  it('a keyless record keeps the partition it was first placed on when it is sent again', async () => {
    const d = producerDouble({ partitions: 4, unwritten: (call, _topic, partition) => call === 1 && partition === 1 });
    const sink = new ProducerSink(d.producer, { logger: quiet });
    await sink.send(Array.from({ length: 12 }, (_, i) => ({ topic: 'out', key: null, value: Buffer.from(`v${i}`) })));
    const again = d.calls[1].topicMessages![0].messages;
    expect(again.length).toBeGreaterThan(0);
    expect(again.every((m) => m.partition === 1)).toBe(true);
    expect(d.written.filter((w) => w.call === 2).every((w) => w.partition === 1)).toBe(true);
    expect(d.written).toHaveLength(12);
    await sink.close();
  });

  it('rejects (never resolves blindly) when the producer left no partition on the records it sent', async () => {
    // A producer made without the pinning partitioner: the sink cannot check the response.
    const d = producerDouble({ createPartitioner: JavaCompatiblePartitioner });
    const sink = new ProducerSink(d.producer, { logger: quiet });
    await expect(sink.send([record('out', 'a')])).rejects.toThrow(/left no partition on its records.*ProducerSink\.open/);
    await sink.close();
  });

  it('with the check turned off (HUMPBACK_UNSAFE_UNCHECKED_PRODUCE) the hole loses records: what the check closes', async () => {
    const d = producerDouble({ partitions: 4, unwritten: (call, _topic, partition) => call === 1 && partition === 2 });
    const sink = new ProducerSink(d.producer, { logger: quiet, unchecked: true });
    await sink.send(keys.map((k) => record('out', k)));
    expect(d.calls).toHaveLength(1);
    expect(d.written.length).toBeLessThan(keys.length);
    await sink.close();
  });

  it('ProducerSink.open makes an idempotent producer with the pinning partitioner and close disconnects it', async () => {
    const d = producerDouble();
    let config: Record<string, unknown> = {};
    const kafka = { producer: (c: Record<string, unknown>) => ((config = c), d.producer) };
    const sink = await ProducerSink.open(kafka, { logger: quiet });
    expect(config).toMatchObject({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await sink.send([record('out', 'a')]);
    expect(d.calls[0].topicMessages![0].messages[0].partition).toBeDefined();
    await sink.close();
    expect([d.connects, d.disconnects]).toEqual([1, 1]);
  });
});
