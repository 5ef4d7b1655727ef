/**
 * TEST DOUBLE: the part of a kafkajs client that the stage runtime uses, without a broker. The
 * consumer hands batches to the runtime's eachBatch when the test says so and records commits; the
 * producer records every sendBatch and acknowledges it at once. The real client is exercised by the
 * integration tests.
 */
import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage, Producer, ProducerBatch } from 'kafkajs';
import { producerDouble } from './producerDouble';

export interface FakeKafka {
  kafka: Kafka;
  /** Every commitOffsets call, in order. */
  commits: Array<Array<{ topic: string; partition: number; offset: string }>>;
  /** Every sendBatch call, in order. */
  sent: ProducerBatch[];
  /** Fires the consumer's GROUP_JOIN (a rebalance). */
  join(): void;
  /** Delivers one batch to the runtime; resolves when its eachBatch returns. */
  eachBatch(payload: EachBatchPayload): Promise<void>;
  /** How often the runtime connected and disconnected its clients, and started consuming. */
  calls: { producerConnects: number; producerDisconnects: number; consumerDisconnects: number; runs: number };
}

export interface FakeKafkaOptions {
  /** What the consumer's first connect() calls reject with, in order (a broker going away mid-start). */
  consumerConnectFailures?: Error[];
}

export function fakeKafka(o: FakeKafkaOptions = {}): FakeKafka {
  const listeners = new Map<string, (e: { payload: Record<string, unknown> }) => void>();
  const commits: FakeKafka['commits'] = [];
  const sent: ProducerBatch[] = [];
  let run: ConsumerRunConfig | undefined;
  const calls = { producerConnects: 0, producerDisconnects: 0, consumerDisconnects: 0, runs: 0 };
  const connectFailures = [...(o.consumerConnectFailures ?? [])];
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    on: (event: string, listener: (e: { payload: Record<string, unknown> }) => void) => void listeners.set(event, listener),
    connect: async () => {
      const failure = connectFailures.shift();
      if (failure) throw failure;
    },
    subscribe: async () => undefined,
    run: async (config: ConsumerRunConfig) => {
      calls.runs += 1;
      run = config;
    },
    commitOffsets: async (offsets: Array<{ topic: string; partition: number; offset: string }>) => void commits.push(offsets),
    pause: () => undefined,
    disconnect: async () => void (calls.consumerDisconnects += 1),
  };
  const double = producerDouble({ partitions: 1 });
  const producer = {
    connect: async () => void (calls.producerConnects += 1),
    sendBatch: async (batch: ProducerBatch) => {
      sent.push(batch);
      return double.producer.sendBatch(batch);
    },
    disconnect: async () => void (calls.producerDisconnects += 1),
  };
  // The doubles implement only what the runtime calls; kafkajs' own types describe far more.
  const kafka = { consumer: () => consumer as unknown as Consumer, producer: () => producer as unknown as Producer } as Pick<Kafka, 'consumer' | 'producer'> as Kafka;
  return {
    kafka,
    commits,
    sent,
    join: () => listeners.get('consumer.group_join')!({ payload: { memberAssignment: {} } }),
    eachBatch: (payload) => run!.eachBatch!(payload),
    calls,
  };
}

/** A batch of records of topic `in` at the given offsets (key k<offset>, value `values(offset)`), and the offsets it resolved. */
export function batchOf(partition: number, offsets: number[], o: { lastOffset?: number; value?: (offset: number) => string } = {}): { payload: EachBatchPayload; resolved: string[] } {
  const resolved: string[] = [];
  const value = o.value ?? ((offset: number) => `v${offset}`);
  const messages = offsets.map((offset): KafkaMessage => ({ offset: String(offset), key: Buffer.from(`k${offset}`), value: Buffer.from(value(offset)), timestamp: '0', attributes: 0, headers: {} }));
  const lastOffset = String(o.lastOffset ?? offsets[offsets.length - 1]);
  const payload = {
    batch: { topic: 'in', partition, messages, lastOffset: () => lastOffset },
    resolveOffset: (offset: string) => void resolved.push(offset),
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  } as Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'isRunning' | 'isStale'> as EachBatchPayload;
  return { payload, resolved };
}

/** Lets promises and timers run until `done()` holds (three seconds at most). */
export async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 3000; !done() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 1));
  if (!done()) throw new Error('the condition never held');
}
