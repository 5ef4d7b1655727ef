/**
 * Issue 3's acceptance path through the CLI on the real broker: a WARC holding the same pages under
 * two URLs goes through `humpback ingest`, then the segment and dedup stages. The segments topic
 * holds each segment once, and every drop is counted by reason, exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { applyTopics } from '../../src/kafka/admin';
import { createSerde } from '../../src/kafka/serde/avroSerde';
import { METRIC } from '../../src/metrics/names';
import { createLogger } from '../../src/core/logger';
import { configSchema as segmentConfig } from '../../src/stages/segment';
import { createSegmenter, structureDocument } from '../../src/stages/segmentPipeline';
import { startKafkaStage } from '../../src/topology/builder';
import { parseTopology, resolveTopology } from '../../src/topology/loader';
import { runCli } from '../helpers/cli';
import { testKafka, uniqueName, waitFor } from '../helpers/kafka';
import { collect, groupCaughtUp, topicRecordCount } from '../helpers/pipeline';
import { warcFile } from '../helpers/warcFixtures';

const kafka = testKafka();
const PAGES = ['tutorial/controlflow.html', 'tutorial/datastructures.html', 'faq/general.html', 'faq/design.html'];

it('ingest + segment + dedup: duplicated pages under different URLs yield each segment once, drops counted exactly', async () => {
  const p = uniqueName('e2e');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-e2e-'));
  const topologyFile = path.join(dir, 'topology.yaml');
  fs.writeFileSync(
    topologyFile,
    `version: 1
name: ${p}
defaults: { partitions: 3 }
topics:
  - { name: ${p}.docs, schema: humpback.Document }
  - { name: ${p}.raw, schema: humpback.Segment }
  - { name: ${p}.segments, schema: humpback.Segment }
  - { name: ${p}.seen, schema: humpback.Segment, compacted: true }
stages:
  - { name: ${p}-segment, type: segment, input: ${p}.docs, output: ${p}.raw }
  - { name: ${p}-dedup, type: dedup, input: ${p}.raw, output: ${p}.segments, seenTopic: ${p}.seen }
`,
  );
  const html = PAGES.map((f) => fs.readFileSync(path.join(__dirname, '../../samples/corpus', f), 'utf8'));
  const records = html.flatMap((body, i) => [
    { url: `https://docs.example.org/${i}.html`, body },
    { url: `https://mirror.example.net/python/${i}.html`, body },
  ]);
  const warc = path.join(dir, 'mirrored.warc.gz');
  fs.writeFileSync(warc, (await warcFile(records, true)).bytes);

  const resolved = resolveTopology(parseTopology(fs.readFileSync(topologyFile, 'utf8'), topologyFile));
  const admin = kafka.admin();
  await admin.connect();
  await applyTopics(admin, resolved.topics);
  await admin.disconnect();

  const ingest = await runCli(['ingest', warc, '--topology', topologyFile, '--topic', `${p}.docs`, '--dlq', `${p}.ingest.dlq`]);
  expect(ingest.code).toBe(0);
  expect(await topicRecordCount(kafka, `${p}.docs`)).toBe(records.length);

  // What the segmenter makes of each page, computed offline: the oracle for exact counts.
  const segmenter = createSegmenter(segmentConfig.parse({}));
  const outcomes = html.map((content) => segmenter(structureDocument({ content_type: 'text/html', content })));
  const kept = outcomes.reduce((n, o) => n + o.kept.length, 0);
  const droppedByReason: Record<string, number> = {};
  for (const d of outcomes.flatMap((o) => o.dropped)) droppedByReason[d.reason] = (droppedByReason[d.reason] ?? 0) + 2;
  expect(kept).toBeGreaterThan(10);

  const serde = await createSerde();
  const registry = new Registry();
  const logger = createLogger({ test: 'e2e' }, 'warn');
  const runners = await Promise.all(resolved.stages.map((stage) => startKafkaStage(stage, { kafka, serde, logger, registry })));
  const out = await collect(kafka, serde, `${p}.segments`, 'humpback.Segment');
  try {
    await waitFor(async () => (await groupCaughtUp(kafka, resolved.stages[0].groupId, `${p}.docs`)) && groupCaughtUp(kafka, resolved.stages[1].groupId, `${p}.raw`), {
      timeoutMs: 90_000,
      what: 'segment and dedup caught up',
    });
    await out.waitForCount(kept);
  } finally {
    await Promise.all(runners.map((r) => r.stop()));
    await out.stop();
  }

  expect(await topicRecordCount(kafka, `${p}.segments`)).toBe(kept);
  expect(new Set(out.items.map((i) => i.value.segment_id)).size).toBe(kept);
  // Lineage survives: every segment names its WARC file, record offset and URL.
  expect(out.items.every((i) => i.value.source_file === warc && i.value.source_offset !== null && i.value.url !== null)).toBe(true);
  const filtered = (await registry.getSingleMetric(METRIC.recordsFiltered.name)!.get()).values;
  const byReason = (stage: string) =>
    Object.fromEntries(filtered.filter((v) => v.labels.stage === stage).map((v) => [String(v.labels.reason), v.value]));
  expect(byReason(resolved.stages[0].name)).toEqual(droppedByReason);
  expect(byReason(resolved.stages[1].name)).toEqual({ duplicate: kept });
});
