import { testStageContext } from '../helpers/stageContext';
import crypto from 'node:crypto';
import type { SegmentRecord } from '../../src/records/types';
import { claimantOf, configSchema, dedupProjection, dedupStage } from '../../src/stages/dedup';
import { InMemorySeenStore } from '../../src/stages/seenStore';
import { SeenTable } from '../../src/stages/seenTable';
import type { StageOutput } from '../../src/runtime/projection';
import { segmentId } from '../../src/text/normalize';
import { sampleSegment } from '../helpers/sampleRecords';

const seg = (text: string, doc: string, index = 0, createdAt = 1000): SegmentRecord =>
  sampleSegment({ segment_id: segmentId(text), text, doc_id: doc, segment_index: index, created_at: createdAt });

function counter() {
  const filtered: Record<string, number> = {};
  return { filtered, countFiltered: (reason: string) => void (filtered[reason] = (filtered[reason] ?? 0) + 1) };
}

describe('dedup stage (in memory)', () => {
  it('emits the first segment of each normalised text and counts the rest as duplicates', async () => {
    const c = counter();
    const ctx = { ...testStageContext('dedup').ctx, countFiltered: c.countFiltered };
    const op = await dedupStage.create(configSchema.parse({}), ctx);
    const inputs = [seg('Whales sing.', 'a'), seg('whales   SING', 'b'), seg('Whales swim.', 'c'), seg('Whales, sing!', 'd', 3)];
    const outputs: StageOutput<SegmentRecord>[] = [];
    for (const s of inputs) outputs.push(...(await op(s)));
    expect(outputs.map((o) => o.value.doc_id)).toEqual(['a', 'c']);
    expect(outputs.every((o) => o.topic === undefined && o.key === o.value.segment_id)).toBe(true); // offline: no claims
    expect(c.filtered).toEqual({ duplicate: 2 });
  });

  it('writes a claim to the seen topic after the output, in the same batch', async () => {
    const c = counter();
    const op = dedupProjection({ store: new InMemorySeenStore(), seenTopic: 'segments.seen', countFiltered: c.countFiltered });
    const s = seg('Whales sing.', 'a');
    expect(await op(s)).toEqual([
      { key: s.segment_id, value: s },
      { key: s.segment_id, value: s, topic: 'segments.seen' },
    ]);
    expect(dedupStage.extraOutputTopics?.(configSchema.parse({ seenTopic: 'x.seen' }))).toEqual(['x.seen']);
  });

  it('emits a redelivered record again when the claim is its own (never loses a segment), drops other records', async () => {
    const c = counter();
    const store = new InMemorySeenStore();
    const op = dedupProjection({ store, seenTopic: 'seen', countFiltered: c.countFiltered });
    const first = seg('Whales sing.', 'a', 0, 1000);
    await op(first);
    // After a crash between the claim write and the commit, the same input record comes back.
    expect(await op({ ...first })).toHaveLength(2);
    // The same text cut again (another page, a re-ingest: new created_at) is a duplicate.
    expect(await op(seg('Whales sing.', 'a', 0, 2000))).toEqual([]);
    expect(await op(seg('Whales sing.', 'b', 0, 1000))).toEqual([]);
    expect(c.filtered).toEqual({ duplicate: 2 });
    expect(store.size).toBe(1);
  });

  it('decides atomically when duplicates are processed at the same time', async () => {
    const c = counter();
    const op = dedupProjection({ store: new InMemorySeenStore(), countFiltered: c.countFiltered });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map(async (doc) => op(seg('Same text', doc))));
    expect(results.flat()).toHaveLength(1);
    expect(c.filtered).toEqual({ duplicate: 3 });
  });

  it('identifies a claimant by doc_id, segment_index and created_at', () => {
    const s = seg('x', 'doc', 2, 5);
    expect(claimantOf(s)).toBe(claimantOf(seg('other', 'doc', 2, 5)));
    expect(new Set([claimantOf(s), claimantOf({ ...s, doc_id: 'doc2' }), claimantOf({ ...s, segment_index: 3 }), claimantOf({ ...s, created_at: 6 })]).size).toBe(4);
  });
});

describe('SeenTable', () => {
  const id = (i: number) => crypto.createHash('sha256').update(String(i)).digest('hex');

  it('stores 64-bit prefixes with claimants and grows without losing any', () => {
    const table = new SeenTable(16);
    for (let i = 0; i < 50_000; i++) table.add(id(i), i);
    expect(table.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(table.get(id(i))).toBe(i);
    expect(table.get(id(50_001))).toBeUndefined();
  });

  it('keeps the first claim, and stores the all-zero prefix too', () => {
    const table = new SeenTable();
    table.add(id(1), 7);
    table.add(id(1), 8);
    expect(table.get(id(1))).toBe(7);
    const zero = '0'.repeat(64);
    expect(table.get(zero)).toBeUndefined();
    table.add(zero, 3);
    expect(table.get(zero)).toBe(3);
    expect(table.size).toBe(2);
  });

  it('refuses a key that is not a hex digest (a programming error)', () => {
    expect(() => new SeenTable().add('not-hex', 1)).toThrow(TypeError);
  });
});
