import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { AUGMENTED_TAG, SEED_TAG } from '../../src/trainer/format';
import { buildSnapshotContent, type BufferedRecord } from '../../src/trainer/snapshotBatch';
import { writeSnapshot } from '../../src/trainer/snapshotWriter';
import { curatedExample } from '../helpers/snapshots';

/** The README.md dataset card of every snapshot folder: what load_dataset needs, and what a reader wants to know. */

let outDir: string;
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-card-'));
});
afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

const longOutput = `${'A long answer with ```code fences``` inside. '.repeat(12)}THE END`;

function records(): BufferedRecord[] {
  const values = [
    // Scored in a mode with an integer score only (text): no expected score.
    curatedExample(0, { score: 5, tier: 5, output: longOutput, expected_score: null }),
    curatedExample(1, { score: 5, tier: 5, scorer_model: 'scorer-b', expected_score: null }),
    curatedExample(2, { score: 4, tier: 4, expected_score: null }),
    // Scored in a continuous mode (expected, fit, hybrid): the mean covers these only.
    curatedExample(3, { score: 4, tier: 4, expected_score: 4.5 }),
    curatedExample(4, { score: 5, tier: 5, expected_score: 4.9 }),
  ];
  return values.map((value, offset) => ({ topic: 'curated.tier5', partition: 0, offset, value }));
}

function card(seedOnly = false): { front: Record<string, unknown>; body: string; dir: string } {
  const content = buildSnapshotContent({ records: seedOnly ? [] : records(), seeds: [{ instruction: 'What is a seed?', output: 'A human-written pair.' }], seen: () => false });
  const { dir } = writeSnapshot({ outDir, content, format: 'chat', sourceTag: 'system', shardLines: 2, topics: ['curated.tier5', 'curated.tier4'], group: 'g', seedFile: '/data/seed.jsonl', hookConfigured: false });
  const text = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`no front matter in:\n${text}`);
  return { front: parse(m[1]) as Record<string, unknown>, body: m[2], dir };
}

test('the front matter names data/*.jsonl as the train split, so load_dataset(<folder>) skips the metadata beside it', () => {
  const { front, dir } = card();
  expect(front.configs).toEqual([{ config_name: 'default', data_files: [{ split: 'train', path: 'data/*.jsonl' }] }]);
  expect(front).toMatchObject({ task_categories: ['text-generation'], size_categories: ['n<1K'] });
  expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'data', 'hook.json', 'keys.bin', 'manifest.json']);
  expect(fs.readdirSync(path.join(dir, 'data')).every((f) => /^train-\d{5}\.jsonl$/.test(f))).toBe(true);
});

test('counts by source and tier, the score histogram and the mean expected score where records carry one', () => {
  const { body } = card();
  expect(body).toContain('| augmented (web text, backtranslated and curated) | 5 |');
  expect(body).toContain('| seed (human-written pairs) | 1 |');
  expect(body).toContain('| total | 6 |');
  expect(body).toContain('| A5 (score >= 5) | 3 |');
  expect(body).toContain('| A4 (score >= 4) | 2 |');
  expect(body).toContain('| curated examples | 0 | 0 | 0 | 2 | 3 |');
  expect(body).toContain('Mean expected score 4.700 over 2 examples.');
});

test('models, prompt version and iteration; three examples, augmented first, long outputs cut; the method', () => {
  const { body } = card();
  const scorers = [curatedExample(0).scorer_model, 'scorer-b'].sort().map((s) => `\`${s}\``).join(', ');
  expect(body).toContain(`- scorer model: ${scorers}`);
  expect(body).toContain(`- instruction model (backward model): \`${curatedExample(0).instruction_model}\``);
  expect(body).toContain(`- scorer prompt version: \`${curatedExample(0).scorer_prompt_version}\``);
  expect(body).toContain('- iteration: 1');
  const examples = [...body.matchAll(/^### (\d) \((\w+)\)$/gm)].map((m) => m[2]);
  expect(examples).toEqual(['augmented', 'augmented', 'augmented']);
  expect(body).toContain('Output (start):');
  expect(body).not.toContain('THE END'); // cut at 300 characters
  expect(body).toContain('````text\nA long answer with ```code fences```'); // a fence the text cannot close
  expect(body).toContain(`"${AUGMENTED_TAG}" for web-derived examples, "${SEED_TAG}" for seed pairs`);
  expect(body).toMatch(/## How it was made\n\n.*backward model wrote.*self-curation.*Seed pairs \(seed\.jsonl\)/s);
  expect(body).toContain("TRL's `SFTTrainer` takes it as it is");
});

test('a seed-only snapshot says so instead of listing models', () => {
  const { body } = card(true);
  expect(body).toContain('- scorer model: none (seed pairs only)');
  expect(body).toContain('No record carries an expected score.');
  expect([...body.matchAll(/^### \d \((\w+)\)$/gm)].map((m) => m[1])).toEqual(['seed']);
});
