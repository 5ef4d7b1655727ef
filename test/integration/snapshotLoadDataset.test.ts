/**
 * Snapshot folders load as Hugging Face datasets the way trainers load them:
 * `datasets.load_dataset(<snapshot folder>)`, with manifest.json, keys.bin and hook.json beside the
 * data (the README.md dataset card's `configs` names data/*.jsonl). Real `datasets` from PyPI, in the
 * suite's cached venv. (The demo's own snapshot is loaded in test/e2e/pipelineCli.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SnapshotFormat, TagPlacement } from '../../src/trainer/format';
import { buildSnapshotContent, type BufferedRecord } from '../../src/trainer/snapshotBatch';
import { writeSnapshot } from '../../src/trainer/snapshotWriter';
import { loadDataset, suitePython } from '../helpers/pythonVenv';
import { curatedExample, readSnapshots } from '../helpers/snapshots';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-load-dataset-'));
beforeAll(() => suitePython(), 900_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const records: BufferedRecord[] = Array.from({ length: 23 }, (_, i) => ({ topic: 'curated.tier5', partition: i % 3, offset: i, value: curatedExample(i, { output: `Answer ${i}\nwith a second line, "quotes" and \u2028 a separator.` }) }));
const seeds = [{ instruction: 'What is a seed pair?', output: 'A human-written example.' }];

test.each<[SnapshotFormat, TagPlacement, string[]]>([
  ['chat', 'system', ['messages']],
  ['chat', 'user', ['messages']],
  ['alpaca', 'system', ['input', 'instruction', 'output', 'system']],
])('%s lines, tag in the %s turn: load_dataset(folder) gives every line, as written', async (format, sourceTag, columns) => {
  const outDir = path.join(root, `${format}-${sourceTag}`);
  writeSnapshot({ outDir, content: buildSnapshotContent({ records, seeds, seen: () => false }), format, sourceTag, shardLines: 10, topics: ['curated.tier5'], group: 'g', seedFile: null, hookConfigured: false });
  const [snapshot] = readSnapshots(outDir);
  const loaded = await loadDataset(snapshot.dir, path.join(root, 'hf-cache'));
  expect(loaded).toMatchObject({ splits: ['train'], rows: 24 });
  expect([...loaded.columns].sort()).toEqual(columns);
  expect(loaded.data).toEqual(snapshot.lines);
}, 300_000);
