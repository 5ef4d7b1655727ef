import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/core/logger';
import { INDEX_FILE } from '../../src/trainer/keyIndex';
import { buildSnapshotContent, type BufferedRecord } from '../../src/trainer/snapshotBatch';
import { SnapshotBuffer } from '../../src/trainer/snapshotBuffer';
import { SnapshotStore, type StorePlan } from '../../src/trainer/snapshotStore';
import { writeSnapshot } from '../../src/trainer/snapshotWriter';
import type { CuratedExampleRecord } from '../../src/records/types';
import { chatMessages, curatedExample, readSnapshots } from '../helpers/snapshots';

const logger = createLogger({}, 'error');
const GROUP = 'g.trainer';
const SEEDS = [
  { instruction: 'Seed one?', output: 'One.' },
  { instruction: 'Seed two?', output: 'Two.' },
];
const PLAN: StorePlan = { format: 'chat', sourceTag: 'system', shardLines: 100, topics: ['curated.tier5'], seedFile: null, hookConfigured: false };

let outDir: string;
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-dedup-'));
});
afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

let nextOffset = 0;
function buffered(values: CuratedExampleRecord[], topic = 'curated.tier5'): BufferedRecord[] {
  return values.map((value) => ({ topic, partition: 0, offset: nextOffset++, value }));
}

/** One snapshot round as the consumer does it: open the folder fresh (a restart), build, write. */
function snapshot(values: CuratedExampleRecord[], opts: { seeds?: typeof SEEDS; iteration?: number } = {}) {
  const store = SnapshotStore.open(outDir, GROUP, logger);
  const content = buildSnapshotContent({ records: buffered(values), seeds: opts.seeds ?? [], seen: (p) => store.seen(p), iteration: opts.iteration });
  return { content, written: content.curatedLines > 0 ? store.write(content, PLAN) : undefined, store };
}

const users = (): string[] => readSnapshots(outDir).flatMap((s) => s.lines.map((l) => chatMessages(l)[1].content)).sort();

describe('dedup across snapshots', () => {
  it('drops an example an earlier snapshot holds, and repeats within one batch', () => {
    const first = snapshot([curatedExample(1), curatedExample(2), curatedExample(2)]);
    expect(first.content.counts).toMatchObject({ examples: 2, duplicates_dropped: 1 });
    const second = snapshot([curatedExample(2), curatedExample(3), curatedExample(1)]);
    expect(second.content.counts).toMatchObject({ records: 3, examples: 1, duplicates_dropped: 2 });
    expect(users()).toEqual(['Question number 1?', 'Question number 2?', 'Question number 3?']);
  });

  it('writes no snapshot when everything read is a duplicate', () => {
    snapshot([curatedExample(1)]);
    const again = snapshot([curatedExample(1)]);
    expect(again.written).toBeUndefined();
    expect(readSnapshots(outDir)).toHaveLength(1);
  });

  it('keys by the scored pair: the same pair from tier 5 and tier 4 is written once', () => {
    const five = curatedExample(7, { tier: 5, example_id: 'e5' });
    const four = curatedExample(7, { tier: 4, example_id: 'e4' });
    expect(snapshot([five, four]).content.counts).toMatchObject({ examples: 1, duplicates_dropped: 1, by_tier: { '5': 1 } });
    expect(snapshot([curatedExample(7, { tier: 4, example_id: 'e4' })]).written).toBeUndefined();
  });

  it('mixes each seed pair in once per iteration', () => {
    const first = snapshot([curatedExample(1)], { seeds: SEEDS });
    expect(first.content.counts).toMatchObject({ examples: 3, seed: 2, seed_from_file: 2, augmented: 1 });
    expect(snapshot([curatedExample(2)], { seeds: SEEDS }).content.counts).toMatchObject({ examples: 1, seed: 0 });
    const iteration2 = snapshot([curatedExample(3, { iteration: 2, scored_id: 'it2' })], { seeds: SEEDS });
    expect(iteration2.content).toMatchObject({ iteration: 2, counts: { seed: 2, augmented: 1 } });
  });

  it('rebuilds a lost .index from the snapshots keys.bin', () => {
    snapshot([curatedExample(1), curatedExample(2)]);
    fs.rmSync(path.join(outDir, INDEX_FILE));
    expect(snapshot([curatedExample(1), curatedExample(2), curatedExample(3)]).content.counts).toMatchObject({ examples: 1, duplicates_dropped: 2 });
  });

  it('cuts a torn last index block and re-adds that snapshot from keys.bin', () => {
    snapshot([curatedExample(1)]);
    snapshot([curatedExample(2)]);
    const file = path.join(outDir, INDEX_FILE);
    fs.truncateSync(file, fs.statSync(file).size - 3);
    expect(snapshot([curatedExample(1), curatedExample(2), curatedExample(4)]).content.counts).toMatchObject({ examples: 1, duplicates_dropped: 2 });
  });

  it('recognises a snapshot renamed into place before its keys reached the index (crash in between)', () => {
    // What a crash right after the rename leaves: the folder, no index entry, no commit.
    const store = SnapshotStore.open(outDir, GROUP, logger);
    const content = buildSnapshotContent({ records: buffered([curatedExample(1)]), seeds: [], seen: (p) => store.seen(p) });
    writeSnapshot({ ...PLAN, outDir, content, group: GROUP });
    expect(fs.existsSync(path.join(outDir, INDEX_FILE))).toBe(false);
    expect(snapshot([curatedExample(1), curatedExample(5)]).content.counts).toMatchObject({ examples: 1, duplicates_dropped: 1 });
  });

  it('knows from the manifests how far its snapshots reach in each partition, for its own group only', () => {
    nextOffset = 10;
    snapshot([curatedExample(1), curatedExample(2)]);
    const store = SnapshotStore.open(outDir, GROUP, logger);
    expect(store.frontierOf('curated.tier5', 0)).toBe(12);
    expect(store.frontierOf('curated.tier5', 1)).toBeUndefined();
    expect(SnapshotStore.open(outDir, 'other.trainer', logger).frontierOf('curated.tier5', 0)).toBeUndefined();
    store.forgetBeyond(new Map([['curated.tier5:0', 5]]));
    expect(store.frontierOf('curated.tier5', 0)).toBeUndefined();
  });
});

describe('snapshot buffer', () => {
  it('counts new examples for the policy (not repeats, not earlier snapshots) and spans every offset read', () => {
    snapshot([curatedExample(1)]);
    const store = SnapshotStore.open(outDir, GROUP, logger);
    const buffer = new SnapshotBuffer((p) => store.seen(p), undefined);
    buffer.add('t', 0, 5, curatedExample(1)); // in the earlier snapshot
    buffer.add('t', 0, 6, curatedExample(2));
    buffer.add('t', 0, 7, curatedExample(2));
    buffer.cover('t', 0, 8); // a tombstone
    buffer.add('t', 1, 3, curatedExample(3));
    expect(buffer.newExamples).toBe(2);
    expect(buffer.buffered).toHaveLength(4);
    expect(buffer.offsets()).toEqual([
      { topic: 't', partition: 0, from: 5, to: 8 },
      { topic: 't', partition: 1, from: 3, to: 3 },
    ]);
    buffer.clear();
    expect(buffer.isEmpty).toBe(true);
  });
});
