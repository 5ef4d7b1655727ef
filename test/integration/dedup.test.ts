/**
 * The dedup stage on the real broker: its seen-set (claims in a compacted topic) survives a restart
 * and follows partitions across a rebalance between replicas of one group.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { applyTopics } from '../../src/kafka/admin';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { METRIC } from '../../src/metrics/names';
import type { SegmentRecord } from '../../src/records/types';
import { configSchema as segmentConfig } from '../../src/stages/segment';
import { createSegmenter, structureDocument } from '../../src/stages/segmentPipeline';
import { createLogger } from '../../src/core/logger';
import type { KafkaStageRunner } from '../../src/runtime/kafkaStageRunner';
import { segmentId } from '../../src/text/normalize';
import { startKafkaStage } from '../../src/topology/builder';
import { parseTopology, resolveTopology, type ResolvedStage } from '../../src/topology/loader';
import { testKafka, uniqueName, waitFor } from '../helpers/kafka';
import { collect, groupCaughtUp, produceRecords, topicRecordCount } from '../helpers/pipeline';
import { sampleDocument, sampleSegment } from '../helpers/sampleRecords';

const kafka = testKafka();
const logger = createLogger({ test: 'dedup' }, 'warn');
let serde: Serde;

beforeAll(async () => {
  serde = await createSerde();
});

interface DedupTopology {
  stage: ResolvedStage;
  raw: string;
  out: string;
  seen: string;
}

async function dedupTopology(): Promise<DedupTopology> {
  const p = uniqueName('dd');
  const yaml = `
version: 1
name: ${p}
defaults: { partitions: 4 }
topics:
  - { name: ${p}.raw, schema: humpback.Segment }
  - { name: ${p}.out, schema: humpback.Segment }
  - { name: ${p}.seen, schema: humpback.Segment, compacted: true }
stages:
  - { name: ${p}-dedup, type: dedup, input: ${p}.raw, output: ${p}.out, seenTopic: ${p}.seen, sessionTimeoutMs: 10000 }
`;
  const resolved = resolveTopology(parseTopology(yaml, 'dedup-test.yaml'));
  const admin = kafka.admin();
  await admin.connect();
  await applyTopics(admin, resolved.topics);
  await admin.disconnect();
  return { stage: resolved.stages[0], raw: `${p}.raw`, out: `${p}.out`, seen: `${p}.seen` };
}

/** Segment `n` of text `t`, as cut from document `doc` (a different doc = a different input record). */
function segment(t: number, doc: string): SegmentRecord {
  const text = `Text number ${t} about humpback whales.`;
  return sampleSegment({ segment_id: segmentId(text), text, char_count: text.length, doc_id: doc, segment_index: t, created_at: 1_000 });
}

const keyed = (records: SegmentRecord[]) => records.map((value) => ({ key: value.segment_id, value }));

async function filteredByReason(registry: Registry): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(METRIC.recordsFiltered.name);
  const counts: Record<string, number> = {};
  for (const v of metric ? (await metric.get()).values : []) counts[String(v.labels.reason)] = (counts[String(v.labels.reason)] ?? 0) + v.value;
  return counts;
}

async function duplicatesDropped(registry: Registry): Promise<number> {
  return (await filteredByReason(registry)).duplicate ?? 0;
}

/** Like groupCaughtUp, but an empty partition (never committed) counts as caught up. */
/** Both replicas hold partitions (the rebalance is over). */
async function groupHasMembers(groupId: string, members: number): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' && groups[0].members.length === members;
  } finally {
    await admin.disconnect();
  }
}

async function caughtUp(t: DedupTopology): Promise<void> {
  await waitFor(() => groupCaughtUp(kafka, t.stage.groupId, t.raw), { timeoutMs: 60_000, what: `group ${t.stage.groupId} committed to the end of ${t.raw}` });
}

function start(t: DedupTopology, registry = new Registry()): Promise<KafkaStageRunner> {
  return startKafkaStage(t.stage, { kafka, serde, logger, registry });
}

it('remembers emitted segments across a restart: a new instance drops repeats of old texts', async () => {
  const t = await dedupTopology();
  // 20 texts, each from three documents: 20 come out.
  await produceRecords(kafka, serde, t.raw, 'humpback.Segment', keyed(['a', 'b', 'c'].flatMap((doc) => Array.from({ length: 20 }, (_, i) => segment(i, doc)))));
  const first = await start(t);
  try {
    await caughtUp(t);
  } finally {
    await first.stop();
  }
  expect(await topicRecordCount(kafka, t.out)).toBe(20);

  // Restart: texts 10-29 arrive from a new document; only 20-29 are new.
  await produceRecords(kafka, serde, t.raw, 'humpback.Segment', keyed(Array.from({ length: 20 }, (_, i) => segment(10 + i, 'd'))));
  const registry = new Registry();
  const second = await start(t, registry);
  try {
    await caughtUp(t);
  } finally {
    await second.stop();
  }
  const out = await collect(kafka, serde, t.out, 'humpback.Segment');
  try {
    await out.waitForCount(30);
  } finally {
    await out.stop();
  }
  expect(await topicRecordCount(kafka, t.out)).toBe(30);
  expect(new Set(out.items.map((i) => i.value.segment_id)).size).toBe(30);
  expect(await duplicatesDropped(registry)).toBe(10); // known only from the claims the first instance wrote
  expect(await topicRecordCount(kafka, t.seen)).toBe(30); // one claim per emitted segment
});

it('lets no duplicate through when a second replica joins and takes over partitions', async () => {
  const t = await dedupTopology();
  await produceRecords(kafka, serde, t.raw, 'humpback.Segment', keyed(Array.from({ length: 40 }, (_, i) => segment(i, 'a'))));
  const registryA = new Registry();
  const registryB = new Registry();
  const a = await start(t, registryA);
  let b: KafkaStageRunner | undefined;
  try {
    await caughtUp(t);
    b = await start(t, registryB); // rebalance: B takes about half of the partitions A claimed into
    await waitFor(() => groupHasMembers(t.stage.groupId, 2), { timeoutMs: 60_000, what: 'both replicas in the group' });
    // Every old text again, from another document, plus 10 new ones, spread over all partitions.
    await produceRecords(kafka, serde, t.raw, 'humpback.Segment', keyed(Array.from({ length: 50 }, (_, i) => segment(i, 'b'))));
    await caughtUp(t);
  } finally {
    await Promise.all([a.stop(), b?.stop()]);
  }
  expect(await topicRecordCount(kafka, t.out)).toBe(50);
  const [droppedByA, droppedByB] = [await duplicatesDropped(registryA), await duplicatesDropped(registryB)];
  expect(droppedByA + droppedByB).toBe(40);
  // B dropped repeats it could only know from A's claims.
  expect(droppedByB).toBeGreaterThan(0);
});

it('segment then dedup: the same pages under different URLs come out once, drops counted exactly', async () => {
  const p = uniqueName('sd');
  const yaml = `
version: 1
name: ${p}
defaults: { partitions: 3 }
topics:
  - { name: ${p}.docs, schema: humpback.Document }
  - { name: ${p}.raw, schema: humpback.Segment }
  - { name: ${p}.out, schema: humpback.Segment }
  - { name: ${p}.seen, schema: humpback.Segment, compacted: true }
stages:
  - { name: ${p}-segment, type: segment, input: ${p}.docs, output: ${p}.raw }
  - { name: ${p}-dedup, type: dedup, input: ${p}.raw, output: ${p}.out, seenTopic: ${p}.seen }
`;
  const resolved = resolveTopology(parseTopology(yaml, 'segment-dedup-test.yaml'));
  const admin = kafka.admin();
  await admin.connect();
  await applyTopics(admin, resolved.topics);
  await admin.disconnect();
  const [segmentStage, dedupStage] = resolved.stages;

  const pages = ['tutorial/controlflow.html', 'tutorial/errors.html', 'faq/general.html'].map((f) => fs.readFileSync(path.join(__dirname, '../../samples/corpus', f), 'utf8'));
  // Each page twice, under two URLs: different doc_ids (keys), same text.
  const docs = pages.flatMap((content, i) =>
    ['a', 'b'].map((mirror) => sampleDocument({ doc_id: `doc-${i}-${mirror}`, url: `https://${mirror}.example.org/${i}`, content_type: 'text/html', content })),
  );
  const expected = createSegmenter(segmentConfig.parse({}));
  const outcomes = pages.map((content) => expected(structureDocument({ content_type: 'text/html', content })));
  const kept = outcomes.reduce((n, o) => n + o.kept.length, 0);
  const dropped: Record<string, number> = {};
  for (const d of outcomes.flatMap((o) => o.dropped)) dropped[d.reason] = (dropped[d.reason] ?? 0) + 2; // each page twice
  expect(kept).toBeGreaterThan(10);

  await produceRecords(kafka, serde, `${p}.docs`, 'humpback.Document', docs.map((value) => ({ key: value.doc_id, value })));
  const segmentRegistry = new Registry();
  const dedupRegistry = new Registry();
  const runners = [
    await startKafkaStage(segmentStage, { kafka, serde, logger, registry: segmentRegistry }),
    await startKafkaStage(dedupStage, { kafka, serde, logger, registry: dedupRegistry }),
  ];
  try {
    await waitFor(() => groupCaughtUp(kafka, segmentStage.groupId, `${p}.docs`), { timeoutMs: 60_000, what: 'segment stage caught up' });
    await waitFor(async () => (await topicRecordCount(kafka, `${p}.raw`)) === 2 * kept && groupCaughtUp(kafka, dedupStage.groupId, `${p}.raw`), {
      timeoutMs: 60_000,
      what: 'dedup stage caught up',
    });
  } finally {
    await Promise.all(runners.map((r) => r.stop()));
  }
  expect(await topicRecordCount(kafka, `${p}.out`)).toBe(kept);
  expect(await filteredByReason(segmentRegistry)).toEqual(dropped);
  expect(await filteredByReason(dedupRegistry)).toEqual({ duplicate: kept });
});
