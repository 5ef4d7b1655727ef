/**
 * Engine overhead: records/s of a real stage (the passthrough stage through the engine's runtime:
 * Avro decode, RxJS operator, per-key ordering, Avro encode, idempotent acks=all producer sink,
 * offset tracking and commits) versus a raw kafkajs copy of the same records, on the same broker in
 * the same run. The LLM is out of the picture (passthrough is instant), so this is the engine's cost.
 * Both copy N Segments (same keys, same Avro bytes; produced beforehand, untimed) from a 4-partition
 * topic to another:
 *  - raw: a kafkajs consumer (eachBatch, 4 partitions at once, auto-commit) sends each batch's
 *    messages, bytes as read, to the output topic with an idempotent acks=all producer and kafkajs'
 *    DefaultPartitioner (the baseline of the ratio);
 *  - raw with the engine's partitioner (src/kafka/partitioner.ts: the same partitions, computed
 *    without kafkajs' 64-bit Long objects): reported beside it, so the engine's own cost over a raw
 *    copy shows apart from what the faster partitioner saves;
 *  - engine: startKafkaStage (src/topology/builder.ts) on a passthrough topology built by
 *    test/helpers/pipeline.ts passthroughTopology (concurrency 8, maxInFlight 256: the defaults);
 *  - engine with the produce check off (HUMPBACK_UNSAFE_UNCHECKED_PRODUCE=1: a resolved kafkajs call
 *    taken on trust, as before issue 24): the cost of checking every response partition by partition
 *    (target: the checked engine within 5% of it).
 * Each is timed from the first output record seen to the moment all N are in the output topic and
 * the group has committed the end of the input (polled every 20 ms). ROUNDS rounds, raw and engine
 * alternating, fresh topics each; the best round of each is reported, and the ratios.
 * N defaults to 200,000: with 20,000 the raw copy lasts about 0.3 s, less than the engine's 1 s
 * commit interval, and the ratio would measure that interval rather than throughput.
 * Run: `npm run bench:pipeline-overhead [-- --records=200000]` (or BENCH_OVERHEAD_RECORDS).
 */
import { Partitioners, type Admin, type ICustomPartitioner, type Kafka, type Message } from 'kafkajs';
import { JavaCompatiblePartitioner } from '../src/kafka/partitioner';
import { Registry } from 'prom-client';
import { applyTopics } from '../src/kafka/admin';
import { createLogger } from '../src/core/logger';
import { startKafkaStage } from '../src/topology/builder';
import { passthroughTopology } from '../test/helpers/pipeline';
import { benchKafka, benchSerde, cleanUp, numberOption, runMain, segmentMessages, sleep, topicCount, uniquePrefix, withAdmin, type BenchRow } from './common';

const ROUNDS = 2;

interface Timing {
  /** First output seen -> all outputs in the topic. */
  outputSeconds: number;
  /** First output seen -> all outputs in the topic and the input committed to its end. */
  seconds: number;
  recordsPerSecond: number;
}

async function produceAll(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 5000) await producer.send({ topic, messages: messages.slice(i, i + 5000), acks: -1 });
  await producer.disconnect();
}

async function committedToEnd(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends.every((e) => e.high === e.low || committed.partitions.find((c) => c.partition === e.partition)?.offset === e.high);
}

/**
 * Polls until all `n` records are in `output` and `groupId` committed the end of `input`. Its own
 * admin client: one that has seen a deleted topic keeps asking the broker for it.
 */
function timeCopy(kafka: Kafka, groupId: string, input: string, output: string, n: number): Promise<Timing> {
  return withAdmin(kafka, (admin) => pollCopy(admin, groupId, input, output, n));
}

async function pollCopy(admin: Admin, groupId: string, input: string, output: string, n: number): Promise<Timing> {
  let first: { at: bigint; count: number } | undefined;
  let outputSeconds: number | undefined;
  const deadline = Date.now() + 300_000;
  const since = (at: bigint): number => Number(process.hrtime.bigint() - at) / 1e9;
  for (;;) {
    const count = await topicCount(admin, output);
    if (!first && count > 0) first = { at: process.hrtime.bigint(), count };
    if (first && count >= n) outputSeconds ??= since(first.at);
    if (first && outputSeconds !== undefined && (await committedToEnd(admin, groupId, input))) {
      const seconds = since(first.at);
      return { outputSeconds, seconds, recordsPerSecond: (n - first.count) / seconds };
    }
    if (Date.now() > deadline) throw new Error(`copy ${input} -> ${output} did not finish in 300 s (${count} of ${n} copied)`);
    await sleep(20);
  }
}

async function rawRound(kafka: Kafka, messages: Message[], createPartitioner: ICustomPartitioner): Promise<Timing> {
  const prefix = uniquePrefix('overhead-raw');
  const [input, output, groupId] = [`${prefix}.in`, `${prefix}.out`, `${prefix}.copy`];
  await withAdmin(kafka, (admin) => applyTopics(admin, [input, output].map((name) => ({ name, partitions: 4, replicationFactor: 1, compacted: false }))));
  await produceAll(kafka, input, messages);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner });
  const consumer = kafka.consumer({ groupId });
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        await producer.send({ topic: output, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
      },
    });
    return await timeCopy(kafka, groupId, input, output, messages.length);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await cleanUp(kafka, prefix, [groupId]);
  }
}

async function engineRound(kafka: Kafka, messages: Message[], unchecked = false): Promise<Timing> {
  // ProducerSink.open reads the switch when the stage starts.
  if (unchecked) process.env.HUMPBACK_UNSAFE_UNCHECKED_PRODUCE = '1';
  else delete process.env.HUMPBACK_UNSAFE_UNCHECKED_PRODUCE;
  const topology = await passthroughTopology(kafka, { partitions: 4 });
  await produceAll(kafka, topology.input, messages);
  const deps = { kafka, serde: await benchSerde(), logger: createLogger({ component: 'bench' }, 'warn'), registry: new Registry() };
  const runner = await startKafkaStage(topology.resolved.stages[0], deps);
  try {
    return await timeCopy(kafka, topology.groupId, topology.input, topology.output, messages.length);
  } finally {
    await runner.stop();
    await cleanUp(kafka, topology.resolved.name, [topology.groupId], [topology.input, topology.output, topology.dlq]);
  }
}

export async function measurePipelineOverhead(records: number): Promise<{ row: BenchRow; report: string[] }> {
  const kafka = benchKafka('bench-overhead');
  // Encoded once for the topics of every round: the bench's local schema ids do not depend on the topic.
  const messages = await segmentMessages(await benchSerde(), 'segments', uniquePrefix('overhead'), records);
  const bytes = messages.reduce((n, m) => n + (m.value as Buffer).length, 0);
  const rounds = { raw: [] as Timing[], rawFast: [] as Timing[], engine: [] as Timing[], unchecked: [] as Timing[] };
  for (let r = 0; r < ROUNDS; r++) {
    rounds.raw.push(await rawRound(kafka, messages, Partitioners.DefaultPartitioner));
    rounds.rawFast.push(await rawRound(kafka, messages, JavaCompatiblePartitioner));
    rounds.engine.push(await engineRound(kafka, messages));
    rounds.unchecked.push(await engineRound(kafka, messages, true));
  }
  delete process.env.HUMPBACK_UNSAFE_UNCHECKED_PRODUCE;
  const best = (ts: Timing[]): Timing => ts.reduce((a, b) => (b.recordsPerSecond > a.recordsPerSecond ? b : a));
  const [raw, rawFast, engine, unchecked] = [best(rounds.raw), best(rounds.rawFast), best(rounds.engine), best(rounds.unchecked)];
  const checkCost = engine.recordsPerSecond / unchecked.recordsPerSecond;
  const ownCost = engine.recordsPerSecond / rawFast.recordsPerSecond;
  const ratio = engine.recordsPerSecond / raw.recordsPerSecond;
  const report = [
    `Pipeline overhead: ${records.toLocaleString('en-US')} Segments (${(bytes / records).toFixed(0)} bytes of Avro each), 4 partitions, best of ${ROUNDS} rounds each`,
    '',
    '| copy | s to all outputs | s to committed | records/s (to committed) |',
    '| --- | ---: | ---: | ---: |',
    ...(
      [
        ['raw kafkajs consume + produce (eachBatch, idempotent acks=all, kafkajs DefaultPartitioner)', raw],
        ["raw, with the engine's partitioner (same partitions)", rawFast],
        ['engine passthrough stage (startKafkaStage)', engine],
        ['engine, produce response unchecked (as before issue 24; loses records on a leader move)', unchecked],
      ] as const
    ).map(
      ([name, t]) => `| ${name} | ${t.outputSeconds.toFixed(2)} | ${t.seconds.toFixed(2)} | ${t.recordsPerSecond.toFixed(0)} |`,
    ),
    '',
    `engine / raw: ${ratio.toFixed(2)}; engine / raw with the engine's partitioner: ${ownCost.toFixed(2)}; ` +
      `engine / engine unchecked: ${checkCost.toFixed(3)} (target >= 0.95: ${checkCost >= 0.95 ? 'met' : 'NOT met'})`,
  ];
  const row: BenchRow = {
    benchmark: `pipeline overhead: engine passthrough stage vs raw kafkajs consume+produce (${records.toLocaleString('en-US')} Segments, 4 partitions)`,
    measured: `${engine.recordsPerSecond.toFixed(0)} records/s`,
    baseline: `${raw.recordsPerSecond.toFixed(0)} records/s (raw with the engine's partitioner: ${rawFast.recordsPerSecond.toFixed(0)}, ratio ${ownCost.toFixed(2)})`,
    ratio,
    target: '>= 0.7',
    met: ratio >= 0.7,
  };
  return { row, report };
}

async function main(): Promise<void> {
  const { report } = await measurePipelineOverhead(numberOption('records', 'BENCH_OVERHEAD_RECORDS', 200_000));
  console.log(report.join('\n'));
}

if (require.main === module) runMain(main);
