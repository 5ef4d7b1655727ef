/**
 * `humpback snapshot` on the real broker: curated examples (some keys twice) -> one snapshot folder
 * whose lines, tags, manifest and hook are right; a second run with nothing new writes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import type { CuratedExampleRecord } from '../../src/records/types';
import { AUGMENTED_TAG, SEED_TAG } from '../../src/trainer/format';
import { readHookRecord } from '../../src/trainer/hook';
import { testKafka } from '../helpers/kafka';
import { groupCaughtUp, produceRecords } from '../helpers/pipeline';
import { chatMessages, curatedExample, manifestProblems, readSnapshots } from '../helpers/snapshots';
import { hookRuns, runTrainerCli, trainerTopology } from '../helpers/trainerCli';

const kafka = testKafka();
let serde: Serde;
beforeAll(async () => {
  serde = await createSerde();
});

const keyed = (values: CuratedExampleRecord[]) => values.map((value) => ({ key: value.example_id, value }));

it('snapshots every curated example once, with seed pairs, tags, a true manifest and one hook run', async () => {
  const setup = await trainerTopology(kafka);
  const unique = Array.from({ length: 20 }, (_, i) => curatedExample(i));
  // Five examples arrive twice (a redelivery upstream): they must be written once.
  await produceRecords(kafka, serde, setup.topic, 'humpback.CuratedExample', keyed([...unique, ...unique.slice(0, 5)]));

  const first = await runTrainerCli(['snapshot', '--topology', setup.file]);
  expect(first.stderr).not.toMatch(/ERROR/);
  expect(first.code).toBe(0);
  const [snapshot, ...others] = readSnapshots(setup.outDir);
  expect(others).toEqual([]);
  expect(first.stdout.split('\n')[0]).toBe(snapshot.dir);
  expect(first.stdout).toContain('examples 22 (augmented 20, seed 2)');

  expect(manifestProblems(snapshot.dir)).toEqual([]);
  expect(snapshot.manifest.counts).toEqual({ records: 25, examples: 22, augmented: 20, seed: 2, seed_from_file: 2, duplicates_dropped: 5, by_tier: { '5': 20 } });
  expect(snapshot.manifest.offsets.reduce((n, r) => n + r.to - r.from + 1, 0)).toBe(25);
  expect(snapshot.manifest.group).toBe(setup.group);
  expect(snapshot.manifest.files.length).toBe(4); // 22 lines, 7 per shard

  const lines = snapshot.lines.map(chatMessages);
  for (const messages of lines) expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  const augmented = lines.filter((m) => m[1].content.startsWith('Question number'));
  const seeds = lines.filter((m) => m[1].content.startsWith('Seed question'));
  expect(augmented.map((m) => m[1].content).sort()).toEqual(unique.map((u) => u.instruction).sort());
  expect(new Set(augmented.map((m) => m[0].content))).toEqual(new Set([AUGMENTED_TAG]));
  expect(seeds.map((m) => [m[0].content, m[1].content])).toEqual([
    [SEED_TAG, 'Seed question 1?'],
    [SEED_TAG, 'Seed question 2?'],
  ]);

  expect(hookRuns(setup)).toEqual([snapshot.dir]);
  expect(readHookRecord(snapshot.dir)?.status).toBe('ok');
  expect(await groupCaughtUp(kafka, setup.group, setup.topic)).toBe(true);

  // Nothing new: no folder, exit 0.
  const second = await runTrainerCli(['snapshot', '--topology', setup.file]);
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/^nothing new to snapshot/);
  expect(readSnapshots(setup.outDir)).toHaveLength(1);

  // Two new examples and one old one again: a snapshot of the two, as alpaca lines, no seeds again.
  await produceRecords(kafka, serde, setup.topic, 'humpback.CuratedExample', keyed([curatedExample(100), unique[3], curatedExample(101)]));
  const third = await runTrainerCli(['snapshot', '--topology', setup.file, '--format', 'alpaca']);
  expect(third.stderr).not.toMatch(/ERROR/);
  expect(third.code).toBe(0);
  const latest = readSnapshots(setup.outDir).find((s) => s.id !== snapshot.id)!;
  expect(latest.manifest.counts).toMatchObject({ records: 3, examples: 2, seed: 0, duplicates_dropped: 1 });
  const byInstruction = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  expect([...latest.lines].sort(byInstruction)).toEqual([
    { instruction: 'Question number 100?', input: '', output: 'Answer number 100.', system: AUGMENTED_TAG },
    { instruction: 'Question number 101?', input: '', output: 'Answer number 101.', system: AUGMENTED_TAG },
  ]);
  expect(hookRuns(setup).sort()).toEqual([snapshot.dir, latest.dir].sort());
  expect(fs.readdirSync(setup.outDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  expect(fs.existsSync(path.join(setup.outDir, '.index'))).toBe(true);
});

it('refuses a tier without a curated topic, naming the fix', async () => {
  const setup = await trainerTopology(kafka);
  const result = await runTrainerCli(['snapshot', '--topology', setup.file, '--tier', '4']);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/no curated topic for tier 4\. Fix:/);
});

it('on demand, seed pairs not yet in a snapshot make one by themselves (the M0 data) when nothing is curated', async () => {
  const setup = await trainerTopology(kafka);
  const first = await runTrainerCli(['snapshot', '--topology', setup.file]);
  expect(first.code).toBe(0);
  const [seedOnly, ...others] = readSnapshots(setup.outDir);
  expect(others).toEqual([]);
  expect(seedOnly.manifest.counts).toMatchObject({ records: 0, examples: 2, augmented: 0, seed: 2 });
  expect(seedOnly.manifest.offsets).toEqual([]);
  expect(manifestProblems(seedOnly.dir)).toEqual([]);
  expect(seedOnly.lines.map(chatMessages).map((m) => m[0].content)).toEqual([SEED_TAG, SEED_TAG]);
  // The seeds are in a snapshot now: the next on-demand run has nothing to write.
  const second = await runTrainerCli(['snapshot', '--topology', setup.file]);
  expect(second.stdout).toMatch(/^nothing new to snapshot/);
  expect(readSnapshots(setup.outDir)).toHaveLength(1);
});
