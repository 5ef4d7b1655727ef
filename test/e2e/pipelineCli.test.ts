/**
 * Issue 5's acceptance path through the CLI on the real broker, with the fake OpenAI-compatible
 * server (a test double) as the LLM: `humpback ingest` the sample corpus, `humpback run
 * --until-drained` every stage, `humpback snapshot`; then iteration 2 by `humpback replay` with a
 * different fake scorer and `humpback snapshot --iteration 2`; and `humpback demo` itself.
 * The fake scorer of iteration 1 rates a pair (n mod 5) + 1 (test/helpers/cliPipeline.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSeedPairs } from '../../src/llm/seedPairs';
import { AUGMENTED_TAG, SEED_TAG } from '../../src/trainer/format';
import { runCli } from '../helpers/cli';
import { fakeModel, isScoring, pipelineFolder, questionNumber, ROOT } from '../helpers/cliPipeline';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { testKafka, uniqueName } from '../helpers/kafka';
import { topicRecordCount } from '../helpers/pipeline';
import { loadDataset } from '../helpers/pythonVenv';
import { manifestProblems, readSnapshots, type ChatMessage } from '../helpers/snapshots';

const CORPUS = path.join(ROOT, 'samples', 'corpus');
const seedPairs = loadSeedPairs(path.join(ROOT, 'samples', 'seed.jsonl'));
const seedInstructions = new Set(seedPairs.map((p) => p.instruction));
const kafka = testKafka();

let m0: FakeOpenAiServer;
let m1: FakeOpenAiServer;
beforeAll(async () => {
  m0 = await startFakeOpenAiServer({ respond: fakeModel((n) => (n % 5) + 1) });
  m1 = await startFakeOpenAiServer({ respond: fakeModel(() => 5) });
});
afterAll(async () => {
  await m0.close();
  await m1.close();
});

function chatLines(lines: unknown[]): ChatMessage[][] {
  return lines.map((l) => {
    const messages = (l as { messages: ChatMessage[] }).messages;
    expect(Object.keys(l as object)).toEqual(['messages']);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    for (const m of messages) expect(m.content.trim().length).toBeGreaterThan(0);
    return messages;
  });
}

it('ingest -> run --until-drained -> snapshot, then replay iteration 2 with a new scorer: right tags, true manifests, no instruction regenerated', async () => {
  const ns = uniqueName('e2e-pipeline');
  const { topologyFile, outDir, t } = pipelineFolder(ns);
  const env = { HUMPBACK_LLM_BASE_URL: m0.url, HUMPBACK_LLM_MODEL: 'fake-m0', HUMPBACK_LOG_LEVEL: 'warn' };

  const ingest = await runCli(['ingest', CORPUS, '--topology', topologyFile, '--topic', t('documents'), '--dlq', t('ingest.dlq')], env);
  expect(ingest.code).toBe(0);
  const run = await runCli(['run', '--topology', topologyFile, '--until-drained'], env);
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/tier-filter \d+\/\d+ done/); // progress was shown

  // 278 segments kept from the sample corpus (main-text extraction drops the pages' Quick Links sections), one instruction each, every pair scored.
  const segments = await topicRecordCount(kafka, t('segments'));
  expect(segments).toBe(278);
  const backtranslations = m0.requests.filter((r) => !isScoring(r));
  expect(backtranslations).toHaveLength(segments);
  expect(await topicRecordCount(kafka, t('candidates'))).toBe(segments);
  expect(await topicRecordCount(kafka, t('scored'))).toBe(segments);
  const scoredFive = m0.requests.filter(isScoring).filter((r) => (questionNumber(r.prompt) ?? -1) % 5 === 4).length;
  expect(scoredFive).toBeGreaterThan(0);
  expect(await topicRecordCount(kafka, t('curated.tier5'))).toBe(scoredFive);

  const snap = await runCli(['snapshot', '--topology', topologyFile], env);
  expect(snap.code).toBe(0);
  const [first] = readSnapshots(outDir);
  expect(manifestProblems(first.dir)).toEqual([]);
  expect(first.manifest).toMatchObject({ iteration: 1, counts: { augmented: scoredFive, seed: seedPairs.length } });
  const lines = chatLines(first.lines);
  const augmented = lines.filter((m) => m[0].content === AUGMENTED_TAG);
  const seeds = lines.filter((m) => m[0].content === SEED_TAG);
  expect(augmented.length + seeds.length).toBe(lines.length); // every line carries one of the two tags
  expect(augmented).toHaveLength(scoredFive);
  for (const m of augmented) expect((questionNumber(m[1].content) ?? -1) % 5).toBe(4);
  expect(new Set(seeds.map((m) => m[1].content))).toEqual(seedInstructions);

  // Iteration 2: the candidates re-scored by M1 in new groups and topics; the backward model is not asked again.
  const m0Before = m0.requests.length;
  const replay = await runCli(['replay', '--topology', topologyFile, '--iteration', '2', '--scorer', m1.url, '--scorer-model', 'fake-m1'], env);
  expect(replay.stderr).not.toMatch(/ERROR/);
  expect(replay.code).toBe(0);
  expect(m0.requests.length).toBe(m0Before);
  expect(m1.requests).toHaveLength(segments);
  expect(m1.requests.every(isScoring)).toBe(true);
  expect(m1.requests.every((r) => r.model === 'fake-m1')).toBe(true);
  expect(await topicRecordCount(kafka, t('scored.iter2'))).toBe(segments);
  expect(await topicRecordCount(kafka, t('curated.tier5.iter2'))).toBe(segments);
  expect(await topicRecordCount(kafka, t('scored'))).toBe(segments); // iteration 1 untouched
  expect(replay.stdout).toContain(`consumer groups ${ns}.iter2.*`);

  const snap2 = await runCli(['snapshot', '--topology', topologyFile, '--iteration', '2'], env);
  expect(snap2.code).toBe(0);
  const second = readSnapshots(outDir).find((s) => s.id !== first.id)!;
  expect(manifestProblems(second.dir)).toEqual([]);
  expect(second.manifest).toMatchObject({ iteration: 2, counts: { augmented: segments, seed: seedPairs.length } });
  expect(second.manifest.models.scorer_model).toEqual(['fake-m1']);
  expect(second.manifest.offsets.every((r) => r.topic === t('curated.tier5.iter2'))).toBe(true);
}, 600_000);

it('humpback demo runs every stage once on a fresh namespace and prints the summary (fake LLM)', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-demo-'));
  // Three earlier runs (older than any real one): the demo keeps its own and the two newest others.
  const earlier = ['demo-20010101-000001', 'demo-20010101-000002', 'demo-20010101-000003'].map((run) => `${run}.segments`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: earlier.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
  const before = m0.requests.length;
  const demo = await runCli(['demo', '--max-segments', '6', '--out', out], { HUMPBACK_LLM_BASE_URL: m0.url, HUMPBACK_LLM_MODEL: 'fake-m0', HUMPBACK_LOG_LEVEL: 'warn' });
  expect(demo.stderr).not.toMatch(/ERROR/);
  expect(demo.code).toBe(0);
  expect(demo.stderr).toMatch(/removed the topics of \d+ earlier demo run\(s\) from the broker/);
  const left = await admin.listTopics();
  await admin.deleteTopics({ topics: earlier.filter((t) => left.includes(t)) });
  await admin.disconnect();
  expect(left).not.toContain(earlier[0]);
  expect(m0.requests.length - before).toBe(12); // 6 instructions, 6 ratings
  const summary = demo.stdout;
  expect(summary).toMatch(/^humpback demo finished in /);
  expect(summary).toContain('ingest         58 documents');
  expect(summary).toMatch(/segment +read 58, wrote 278 to segments\.raw; dropped: too-short 107, too-long 96, all-caps-heading 6, repeated-sentences 4/);
  expect(summary).toContain('the first 6 of 278 segments went on to the LLM stages');
  expect(summary).toMatch(/backtranslate +read 6, wrote 6 to candidates/);
  const histogram = /scores +1: (\d+) {2}2: (\d+) {2}3: (\d+) {2}4: (\d+) {2}5: (\d+) \(mode text\)/.exec(summary);
  expect(histogram?.slice(1).map(Number).reduce((a, b) => a + b, 0)).toBe(6);
  // What it made, side by side: heading -> instruction -> score, the best, the middle and the worst.
  const examples = summary.split('\n').filter((l) => / -> ".*" -> score [1-5]$/.test(l));
  expect(examples).toHaveLength(3);
  expect(examples[0]).toMatch(/^ {2}examples +"/);
  expect(summary).toMatch(/on-topic +\d+ of 6 instructions rank their own segment first/);
  const [run] = fs.readdirSync(out);
  const [snapshot] = readSnapshots(path.join(out, run, 'snapshots'));
  expect(manifestProblems(snapshot.dir)).toEqual([]);
  expect(summary).toContain(`snapshot       ${snapshot.dir}: ${snapshot.manifest.counts.examples} examples`);
  expect(snapshot.manifest.counts.augmented).toBe(Number(histogram?.[5]));
  // A trainer loads the demo's snapshot folder as it is, every example (Hugging Face datasets, from PyPI).
  const loaded = await loadDataset(snapshot.dir, path.join(out, 'hf-cache'));
  expect(loaded.rows).toBe(snapshot.manifest.counts.examples);
  expect(loaded.data).toEqual(snapshot.lines);
}, 600_000);
