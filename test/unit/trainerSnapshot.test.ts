import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/core/logger';
import { AUGMENTED_TAG, SEED_TAG } from '../../src/trainer/format';
import { readHookRecord } from '../../src/trainer/hook';
import { INDEX_FILE } from '../../src/trainer/keyIndex';
import { decodePrefixes } from '../../src/trainer/keys';
import { buildSnapshotContent, type BufferedRecord } from '../../src/trainer/snapshotBatch';
import { SnapshotStore } from '../../src/trainer/snapshotStore';
import { TEMP_PREFIX, writeSnapshot, type SnapshotPlan } from '../../src/trainer/snapshotWriter';
import { chatMessages, curatedExample, manifestProblems, readSnapshots } from '../helpers/snapshots';

const logger = createLogger({}, 'error');
let outDir: string;
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-snap-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(outDir, { recursive: true, force: true });
});

function records(n: number, start = 0, topic = 'curated.tier5'): BufferedRecord[] {
  return Array.from({ length: n }, (_, i) => ({ topic, partition: i % 2, offset: start + i, value: curatedExample(start + i) }));
}

function plan(overrides: Partial<SnapshotPlan> = {}): SnapshotPlan {
  const content = buildSnapshotContent({ records: records(7), seeds: [{ instruction: 'What is Python?', output: 'A language.' }], seen: () => false });
  return { outDir, content, format: 'chat', sourceTag: 'system', shardLines: 3, topics: ['curated.tier5'], group: 'g.trainer', seedFile: '/seed.jsonl', hookConfigured: false, ...overrides };
}

describe('snapshot writer', () => {
  it('writes shards whose sha256, line counts and totals match the manifest', () => {
    const { dir, manifest } = writeSnapshot(plan());
    expect(manifestProblems(dir)).toEqual([]);
    expect(manifest.files.map((f) => [f.path, f.lines])).toEqual([
      ['data/train-00000.jsonl', 3],
      ['data/train-00001.jsonl', 3],
      ['data/train-00002.jsonl', 2],
    ]);
    expect(manifest.counts).toEqual({ records: 7, examples: 8, augmented: 7, seed: 1, seed_from_file: 1, duplicates_dropped: 0, by_tier: { '5': 7 } });
    expect(manifest).toMatchObject({ id: path.basename(dir), format: 'chat', iteration: 1, iterations_seen: [1], tiers: [5], topics: ['curated.tier5'], group: 'g.trainer', seed_file: '/seed.jsonl' });
    expect(manifest.offsets).toEqual([
      { topic: 'curated.tier5', partition: 0, from: 0, to: 6 },
      { topic: 'curated.tier5', partition: 1, from: 1, to: 5 },
    ]);
    expect(manifest.models.scorer_model).toEqual([curatedExample(0).scorer_model]);
    expect(new Date(manifest.created_at).toISOString()).toBe(manifest.created_at);
    expect(decodePrefixes(fs.readFileSync(path.join(dir, 'keys.bin')))).toHaveLength(8);
    expect(readHookRecord(dir)?.status).toBe('none');
  });

  it('tags each line by its source: curated examples as web search, seed pairs as assistant', () => {
    writeSnapshot(plan());
    const [snapshot] = readSnapshots(outDir);
    const systems = snapshot.lines.map((l) => chatMessages(l)[0].content);
    expect(systems).toEqual([...Array<string>(7).fill(AUGMENTED_TAG), SEED_TAG]);
    for (const line of snapshot.lines) expect(chatMessages(line).map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  });

  it('writes alpaca lines when asked', () => {
    writeSnapshot(plan({ format: 'alpaca' }));
    const [snapshot] = readSnapshots(outDir);
    expect(snapshot.manifest.format).toBe('alpaca');
    expect(snapshot.lines[0]).toEqual({ instruction: 'Question number 0?', input: '', output: 'Answer number 0.', system: AUGMENTED_TAG });
  });

  it('never shows a partial folder: a failed write leaves nothing under a final name and removes its temp folder', () => {
    const realWrite = fs.writeFileSync;
    let writes = 0;
    jest.spyOn(fs, 'writeFileSync').mockImplementation((...args: Parameters<typeof fs.writeFileSync>) => {
      writes += 1;
      if (writes === 2) throw new Error('disk full'); // the second shard
      return realWrite(...args);
    });
    expect(() => writeSnapshot(plan())).toThrow('disk full');
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  it('removes temp folders a crash left behind when the folder is opened, and lists none as a snapshot', () => {
    const leftover = path.join(outDir, `${TEMP_PREFIX}20240501T120000000Z-deadbeef`);
    fs.mkdirSync(leftover);
    fs.writeFileSync(path.join(leftover, 'data-00000.jsonl'), '{"messages":[]}\n');
    expect(readSnapshots(outDir)).toEqual([]);
    SnapshotStore.open(outDir, 'g.trainer', logger);
    expect(fs.readdirSync(outDir).filter((n) => n !== INDEX_FILE)).toEqual([]);
  });

  it('renames the complete folder: everything is in place when it appears under its final name', () => {
    const realRename = fs.renameSync;
    let seenAtRename: string[] = [];
    jest.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      seenAtRename = fs.readdirSync(String(from)).sort();
      expect(fs.existsSync(String(to))).toBe(false);
      return realRename(from, to);
    });
    const { dir } = writeSnapshot(plan());
    expect(seenAtRename).toEqual(['README.md', 'data', 'hook.json', 'keys.bin', 'manifest.json']);
    expect(fs.readdirSync(dir).sort()).toEqual(seenAtRename);
    expect(fs.readdirSync(path.join(dir, 'data'))).toEqual(['train-00000.jsonl', 'train-00001.jsonl', 'train-00002.jsonl']);
  });

  it('puts the source tag at the start of the user turn when asked (chat templates without a system role)', () => {
    writeSnapshot(plan({ sourceTag: 'user' }));
    const [snapshot] = readSnapshots(outDir);
    expect(snapshot.manifest.source_tag).toBe('user');
    expect(chatMessages(snapshot.lines[0])).toEqual([
      { role: 'user', content: `${AUGMENTED_TAG}\n\nQuestion number 0?` },
      { role: 'assistant', content: 'Answer number 0.' },
    ]);
    expect(chatMessages(snapshot.lines[7])[0].content).toBe(`${SEED_TAG}\n\nWhat is Python?`);
  });
});
