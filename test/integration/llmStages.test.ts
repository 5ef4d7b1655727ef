/**
 * The LLM stages on the real broker, with the fake OpenAI-compatible server as the model:
 * segments -> candidates -> scored -> curated tier topics with exact counts per topic, and no paid
 * work done twice across a crash and restart or a replay (LLM calls counted on the server).
 */
import { Registry } from 'prom-client';
import { applyTopics } from '../../src/kafka/admin';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { metricSum } from '../../src/metrics/read';
import { METRIC } from '../../src/metrics/names';
import type { SegmentRecord } from '../../src/records/types';
import { createLogger } from '../../src/core/logger';
import type { KafkaStageRunner } from '../../src/runtime/kafkaStageRunner';
import { contentKey } from '../../src/stages/contentKey';
import { startKafkaStage } from '../../src/topology/builder';
import { parseTopology, resolveTopology, type ResolvedStage } from '../../src/topology/loader';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { testKafka, uniqueName, waitFor } from '../helpers/kafka';
import { collect, produceRecords, topicRecordCount } from '../helpers/pipeline';
import { sampleSegment } from '../helpers/sampleRecords';

const kafka = testKafka();
const logger = createLogger({ test: 'llm-stages' }, 'warn');
let serde: Serde;
let server: FakeOpenAiServer;

/** Segment n's instruction is empty when n % 10 === 9; its score is 5, 4, 3, 2 or none (n % 5 = 0..4). */
const SCORES = ['Score: 5', 'Score: 4', 'Score: 3', 'Score: 2', 'I would rather not say.'];
beforeAll(async () => {
  serde = await createSerde();
  server = await startFakeOpenAiServer({
    latencyMs: 5,
    respond: (req) => {
      const n = Number(/\[seg (\d+)\]/.exec(req.prompt)?.[1] ?? -1);
      if (req.prompt.includes('5-point scale')) return `Reasoning about segment ${n}.\n${SCORES[n % 5]}`;
      return n % 10 === 9 ? '""' : `What does segment ${n} say about whales?`;
    },
  });
});
afterAll(() => server.close());

interface Topo {
  prefix: string;
  stages: Record<'bt' | 'score' | 'tiers', ResolvedStage>;
  topics: Record<'segments' | 'candidates' | 'scored' | 'tier5' | 'tier4' | 'scoreDlq' | 'btDlq', string>;
}

/** A topology on topics named by `topicPrefix`; `groupName` names its consumer groups (a new one = a replay). */
async function topology(topicPrefix: string, groupName = topicPrefix): Promise<Topo> {
  const t = topicPrefix;
  const llm = `{ endpoints: [{ baseUrl: "${server.url}", model: fake-model }], timeoutMs: 10000 }`;
  const yaml = `
version: 1
name: ${groupName}
defaults: { partitions: 3 }
topics:
  - { name: ${t}.segments, schema: humpback.Segment }
  - { name: ${t}.candidates, schema: humpback.Candidate }
  - { name: ${t}.scored, schema: humpback.ScoredCandidate }
  - { name: ${t}.tier5, schema: humpback.CuratedExample, compacted: true }
  - { name: ${t}.tier4, schema: humpback.CuratedExample, compacted: true }
  - { name: ${t}.bt.dlq }
  - { name: ${t}.score.dlq }
stages:
  - { name: bt, type: backtranslate, input: ${t}.segments, output: ${t}.candidates, dlq: ${t}.bt.dlq, llm: ${llm}, sessionTimeoutMs: 10000 }
  - { name: score, type: score, input: ${t}.candidates, output: ${t}.scored, dlq: ${t}.score.dlq, llm: ${llm}, sessionTimeoutMs: 10000 }
  - name: tiers
    type: tier-filter
    input: ${t}.scored
    output: ${t}.tier5
    tiers: [{ name: tier5, minScore: 5, topic: ${t}.tier5 }, { name: tier4, minScore: 4, topic: ${t}.tier4 }]
`;
  const resolved = resolveTopology(parseTopology(yaml, `${groupName}.yaml`));
  const admin = kafka.admin();
  await admin.connect();
  await applyTopics(admin, resolved.topics);
  await admin.disconnect();
  const [bt, score, tiers] = resolved.stages;
  return {
    prefix: t,
    stages: { bt, score, tiers },
    topics: { segments: `${t}.segments`, candidates: `${t}.candidates`, scored: `${t}.scored`, tier5: `${t}.tier5`, tier4: `${t}.tier4`, scoreDlq: `${t}.score.dlq`, btDlq: `${t}.bt.dlq` },
  };
}

const segment = (n: number): SegmentRecord => {
  const text = `Humpback whales, part ${n}: they sing, breach and migrate. [seg ${n}]`;
  return sampleSegment({ segment_id: contentKey('seg', n), text, char_count: text.length, segment_index: n });
};
const produceSegments = (t: Topo, ns: number[]) =>
  produceRecords(kafka, serde, t.topics.segments, 'humpback.Segment', ns.map((n) => segment(n)).map((value) => ({ key: value.segment_id, value })));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const filtered = (registry: Registry, stage: string, reason: string) => metricSum(registry, METRIC.recordsFiltered.name, { stage, reason });

/** Every partition of `topic` committed by the group up to its end (an empty partition counts). */
async function committedToEnd(groupId: string, topic: string): Promise<boolean> {
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

async function runUntilDone(t: Topo, names: Array<keyof Topo['stages']>, registry: Registry): Promise<void> {
  const runners: KafkaStageRunner[] = [];
  try {
    for (const name of names) runners.push(await startKafkaStage(t.stages[name], { kafka, serde, logger, registry }));
    for (const name of names) {
      const s = t.stages[name];
      await waitFor(() => committedToEnd(s.groupId, s.input), { timeoutMs: 60_000, what: `${s.groupId} committed to the end of ${s.input}` });
    }
  } finally {
    await Promise.all(runners.map((r) => r.stop()));
  }
}

async function counts(t: Topo): Promise<Record<keyof Topo['topics'], number>> {
  const entries = await Promise.all(Object.entries(t.topics).map(async ([k, topic]) => [k, await topicRecordCount(kafka, topic)] as const));
  return Object.fromEntries(entries) as Record<keyof Topo['topics'], number>;
}

it('segments -> candidates -> scored -> curated tier topics, exact counts per topic', async () => {
  const t = await topology(uniqueName('llm'));
  const N = 40;
  await produceSegments(t, range(0, N));
  const before = server.requests.length;
  const registry = new Registry();
  await runUntilDone(t, ['bt', 'score', 'tiers'], registry);

  const kept = range(0, N).filter((n) => n % 10 !== 9); // 36 instructions
  const byScore = (r: number) => kept.filter((n) => n % 5 === r).length;
  expect(await counts(t)).toEqual({
    segments: N,
    candidates: kept.length,
    btDlq: 0,
    scored: kept.length - byScore(4),
    scoreDlq: byScore(4), // no Score line in 3 answers
    tier5: byScore(0),
    tier4: byScore(0) + byScore(1), // a score-5 pair is in both tiers
  });
  expect(await filtered(registry, 'bt', 'instruction.empty')).toBe(N - kept.length);
  expect(await filtered(registry, 'tiers', 'below-tiers')).toBe(byScore(2) + byScore(3));
  // Tier counts as metrics: the produced counter per tier topic.
  expect(await metricSum(registry, METRIC.recordsProduced.name, { stage: 'tiers', topic: t.topics.tier5 })).toBe(byScore(0));
  expect(await metricSum(registry, METRIC.recordsProduced.name, { stage: 'tiers', topic: t.topics.tier4 })).toBe(byScore(0) + byScore(1));
  expect(server.requests.length - before).toBe(N + (kept.length - byScore(4)) + 3 * byScore(4));

  // The dead letters carry the scorer's raw answers.
  const dlq = await collect(kafka, serde, t.topics.scoreDlq, 'humpback.DeadLetter');
  try {
    await dlq.waitForCount(byScore(4));
  } finally {
    await dlq.stop();
  }
  expect(dlq.items.every((d) => d.value.reason === 'score.missing' && (d.value.detail ?? '').includes('--- answer 3 of 3 ---\nReasoning about segment'))).toBe(true);
  // Tier topics hold the right scores under example ids.
  const tier4 = await collect(kafka, serde, t.topics.tier4, 'humpback.CuratedExample');
  try {
    await tier4.waitForCount(byScore(0) + byScore(1));
  } finally {
    await tier4.stop();
  }
  expect(tier4.items.every((i) => i.value.score >= 4 && i.value.tier === 4 && i.key === contentKey(i.value.scored_id, 4) && i.value.source === 'augmented')).toBe(true);
});

it('pays for nothing twice: not after a crash and restart, not on a same-model replay from the beginning', async () => {
  const hasInstruction = (n: number) => n % 10 !== 9;
  const parseable = (n: number) => n % 5 !== 4;
  const kept = (ns: number[]) => ns.filter(hasInstruction);
  /** LLM calls to score these candidates: 1 when parseable, 3 answers before the dead letter otherwise. */
  const scoreCalls = (ns: number[]) => ns.reduce((c, n) => c + (parseable(n) ? 1 : 3), 0);
  // Records whose work produced no output (a filtered instruction, a dead-lettered score) are asked again.
  const noOutput = { bt: (ns: number[]) => ns.filter((n) => !hasInstruction(n)), score: (ns: number[]) => kept(ns).filter((n) => !parseable(n)) };
  const old = range(0, 20);
  const fresh = range(20, 25);
  const all = [...old, ...fresh];

  const t = await topology(uniqueName('paid'));
  await produceSegments(t, old);
  const first = server.requests.length;
  await runUntilDone(t, ['bt', 'score'], new Registry());
  expect(server.requests.length - first).toBe(old.length + scoreCalls(kept(old)));

  // Crash before any commit: the restarted instances get every record again (offsets back to the start).
  const admin = kafka.admin();
  await admin.connect();
  await admin.resetOffsets({ groupId: t.stages.bt.groupId, topic: t.topics.segments, earliest: true });
  await admin.resetOffsets({ groupId: t.stages.score.groupId, topic: t.topics.candidates, earliest: true });
  await admin.disconnect();
  await produceSegments(t, fresh);
  const restart = new Registry();
  const second = server.requests.length;
  await runUntilDone(t, ['bt', 'score'], restart);
  // Only new work, plus the inputs that produced nothing: not one call for an output already produced.
  expect(server.requests.length - second).toBe(fresh.length + noOutput.bt(old).length + scoreCalls(kept(fresh)) + 3 * noOutput.score(old).length);
  expect(await filtered(restart, 'bt', 'already-done')).toBe(kept(old).length);
  expect(await filtered(restart, 'score', 'already-done')).toBe(kept(old).filter(parseable).length);

  // Replay: new consumer groups from the beginning of the same topics, same model.
  const replay = await topology(t.prefix, uniqueName('replay'));
  const replayRegistry = new Registry();
  const third = server.requests.length;
  await runUntilDone(replay, ['bt', 'score'], replayRegistry);
  expect(server.requests.length - third).toBe(noOutput.bt(all).length + 3 * noOutput.score(all).length);
  expect(await filtered(replayRegistry, 'bt', 'already-done')).toBe(kept(all).length);
  expect(await filtered(replayRegistry, 'score', 'already-done')).toBe(kept(all).filter(parseable).length);
  // Nothing was produced twice either.
  expect(await counts(t)).toMatchObject({ candidates: kept(all).length, scored: kept(all).filter(parseable).length });
});
