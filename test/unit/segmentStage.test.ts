import { testStageContext } from '../helpers/stageContext';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runSegment } from '../../src/cli/commands/segmentOffline';
import type { DocumentRecord, SegmentRecord } from '../../src/records/types';
import { PoisonRecordError } from '../../src/core/errors';
import { configSchema, segmentStage } from '../../src/stages/segment';
import type { StageOutput } from '../../src/runtime/projection';
import { segmentId } from '../../src/text/normalize';
import { sampleDocument } from '../helpers/sampleRecords';

const FEEDING =
  'Humpback whales feed mostly in cold polar waters during the summer months. They eat krill, small schooling fish and plankton, ' +
  'which they gulp together with huge amounts of sea water. A group of whales may blow a ring of bubbles around a shoal of fish, ' +
  'trapping it in a shrinking net before rising through the middle with open mouths. Each adult can eat more than a tonne of food ' +
  'in a single day, building up the reserves of fat it needs for the long journey ahead. Baleen plates hanging from the upper jaw ' +
  'act like a sieve: the whale pushes the water out with its tongue and swallows the prey that stays behind.';
const SONG =
  'Male humpbacks are famous for their songs, long sequences of moans, howls and cries that can last for twenty minutes or more. ' +
  'A song is built from short units grouped into phrases, and phrases repeated several times form a theme. All the males of one ' +
  'population sing nearly the same song, yet it slowly changes over the breeding season as new phrases spread between singers. ' +
  'Scientists still debate why the whales sing. Most believe the songs play a part in courtship, while others think they help ' +
  'males keep their distance from one another on crowded breeding grounds in tropical seas.';
const GERMAN =
  'Buckelwale fressen vor allem im Sommer in den kalten Gewässern der Polarmeere. Sie ernähren sich von Krill, kleinen ' +
  'Schwarmfischen und Plankton, die sie zusammen mit großen Mengen Meerwasser verschlucken. Eine Gruppe von Walen kann einen Ring ' +
  'aus Luftblasen um einen Fischschwarm blasen und ihn so in einem immer enger werdenden Netz fangen. Ein erwachsenes Tier frisst ' +
  'an einem einzigen Tag mehr als eine Tonne Nahrung und legt sich damit die Fettreserven für die lange Reise in den Süden zu. ' +
  'Die Barten am Oberkiefer wirken dabei wie ein Sieb, durch das der Wal das Wasser mit seiner Zunge wieder hinausdrückt.';

const HTML = `<html><head><title>Whale guide</title></head><body>
<h1>Humpback whales</h1>
<h2>Feeding</h2><p>${FEEDING}</p>
<h2>Song</h2><p>${SONG}</p><h3>Themes</h3><p>Themes change slowly.</p>
<h2>Quick Links</h2><p>${SONG.replace('Male', 'Female')}</p>
<h2>SUBSCRIBE NOW</h2><p>${FEEDING.replace('Humpback', 'Blue')}</p>
<h2>Tiny</h2><p>Too short to stand alone.</p>
<h2>Feeding</h2><p>${FEEDING}</p>
<h2>Ernährung</h2><p>${GERMAN}</p>
</body></html>`;

const context = (now = 1_700_000_000_000) => testStageContext('segment', now);

async function run(docs: DocumentRecord[], options: Record<string, unknown> = {}, ctx = context()) {
  const project = await segmentStage.create(configSchema.parse(options), ctx.ctx);
  const outputs: StageOutput<SegmentRecord>[] = [];
  for (const doc of docs) outputs.push(...(await project(doc)));
  return { outputs, filtered: ctx.filtered };
}

describe('segment stage', () => {
  const doc = sampleDocument({ doc_id: 'doc-1', content_type: 'text/html; charset=utf-8', content: HTML, source_line: null });

  it('cuts nested sections, keeps the self-contained ones and carries the lineage of the document', async () => {
    const { outputs } = await run([doc]);
    expect(outputs.map((o) => o.value.heading_path)).toEqual([
      ['Humpback whales', 'Feeding'],
      ['Humpback whales', 'Song'],
    ]);
    const song = outputs[1];
    expect(song.key).toBe(segmentId(song.value.text));
    expect(song.value).toEqual({
      segment_id: song.key,
      doc_id: 'doc-1',
      segment_index: 2, // 0 = the h1, 1 = Feeding, 2 = Song: positions among all candidates
      url: doc.url,
      source_file: doc.source_file,
      source_offset: doc.source_offset,
      source_line: null,
      heading: 'Song',
      heading_path: ['Humpback whales', 'Song'],
      text: `Song\n\n${SONG}\n\nThemes\n\nThemes change slowly.`,
      char_count: [...song.value.text].length,
      language: 'eng',
      created_at: 1_700_000_000_000,
    });
  });

  it('counts every dropped candidate by the first rule it fails', async () => {
    const { filtered } = await run([doc]);
    expect(filtered).toEqual({
      'too-long': 1, // the h1 section holds everything
      'too-short': 2, // Themes, Tiny
      // no navigation-heading: the extraction already dropped the Quick Links section as page furniture
      'all-caps-heading': 1,
      'duplicate-in-document': 1,
      'wrong-language': 1,
    });
  });

  it('applies configured rules: languages, length window, navigation list', async () => {
    const { outputs, filtered } = await run([doc], { languages: ['en', 'de'], maxChars: 10_000, navigationHeadings: [] });
    expect(outputs.map((o) => o.value.heading)).toEqual(['Feeding', 'Song', 'Quick Links', 'Ernährung']);
    expect(outputs.find((o) => o.value.heading === 'Ernährung')?.value.language).toBe('deu');
    // The h1 section now fits, but holds Feeding twice and Song in two versions.
    expect(filtered).toEqual({ 'repeated-sentences': 1, 'too-short': 2, 'all-caps-heading': 1, 'duplicate-in-document': 1 });
  });

  it('drops near-duplicates across documents only when enabled', async () => {
    const other = sampleDocument({ doc_id: 'doc-2', content_type: 'text/html', content: `<h2>Feeding habits</h2><p>${FEEDING.replace('huge', 'vast')}</p>` });
    expect((await run([doc, other])).outputs).toHaveLength(3);
    const near = await run([doc, other], { nearDuplicates: { enabled: true } });
    expect(near.outputs).toHaveLength(2);
    expect(near.filtered['near-duplicate']).toBe(1);
  });

  it('a page that is all page chrome makes no segment and is counted once as no-main-text', async () => {
    const chrome =
      '<html><body><header><a href="/">Whale News</a></header><ul class="menu"><li><a href="/a">About</a></li><li><a href="/b">Shop</a></li></ul>' +
      '<div class="sidebar"><p>Sign up for our newsletter!</p></div><footer><p>© 2024 Whale News</p></footer></body></html>';
    const { outputs, filtered } = await run([sampleDocument({ doc_id: 'doc-chrome', content_type: 'text/html', content: chrome })]);
    expect(outputs).toEqual([]);
    expect(filtered).toEqual({ 'no-main-text': 1 });
  });

  it('passes the extraction options to the HTML conversion: comments are kept only on request', async () => {
    const thread = `<html><body><article><h1>Whales</h1><h2>Feeding</h2><p>${FEEDING}</p><div id="comments"><h2>Reader views</h2><p>${SONG}</p></div></article></body></html>`;
    const page = sampleDocument({ doc_id: 'doc-thread', content_type: 'text/html', content: thread });
    expect((await run([page])).outputs.map((o) => o.value.heading)).toEqual(['Feeding']);
    expect((await run([page], { extraction: { comments: true } })).outputs.map((o) => o.value.heading)).toEqual(['Feeding', 'Reader views']);
  });

  it('structures markdown and plain text by content type', async () => {
    const md = sampleDocument({ content_type: 'text/markdown', content: `# Guide\n\n## Feeding\n\n${FEEDING}\n` });
    const plain = sampleDocument({ content_type: 'text/plain', content: `Whale feeding explained\n\n${FEEDING}\n` });
    const { outputs } = await run([md, plain]);
    // The h1 "Guide" holds only Feeding, so it fits the window too.
    expect(outputs.map((o) => o.value.heading_path)).toEqual([['Guide'], ['Guide', 'Feeding'], ['Whale feeding explained']]);
  });

  it('dead-letters a content type it cannot read', async () => {
    const pdf = sampleDocument({ content_type: 'application/pdf' });
    await expect(run([pdf])).rejects.toBeInstanceOf(PoisonRecordError);
    await expect(run([pdf])).rejects.toMatchObject({ reason: 'segment.unsupported-content-type' });
  });

  it('refuses contradictory or unknown options at build time', () => {
    expect(configSchema.safeParse({ minChars: 4000 }).success).toBe(false);
    expect(configSchema.safeParse({ languages: ['english'] }).success).toBe(false);
    expect(configSchema.safeParse({ capitalShare: { min: 0.9, max: 0.5 } }).success).toBe(false);
    expect(configSchema.parse({})).toMatchObject({ minChars: 600, maxChars: 3000, repeatJaccard: 0.8, ngram: 3, languages: ['en'], nearDuplicates: { enabled: false } });
    expect(configSchema.parse({}).extraction).toEqual({ mainContent: true, comments: false, bylines: false, captions: false });
    expect(configSchema.safeParse({ navigationFamilies: ['gossip'] }).success).toBe(false);
    expect(segmentStage.recordTypes(configSchema.parse({}))).toEqual({ input: 'humpback.Document', output: 'humpback.Segment' });
  });
});

describe('humpback segment (offline)', () => {
  it('reads crawl files, dedups across documents, writes Segment JSON lines and a per-reason summary', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-segment-'));
    fs.writeFileSync(path.join(dir, 'a.html'), HTML);
    fs.writeFileSync(path.join(dir, 'b.html'), HTML); // the same page again: every segment is a duplicate
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const summary = await runSegment([dir], { topology: path.join(dir, 'none.yaml'), dedup: true, maxDocumentMb: '10' }, { out, err });
    const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as SegmentRecord);
    expect(lines.map((l) => l.heading)).toEqual(['Feeding', 'Song']);
    expect(lines[0].source_file).toBe(path.join(dir, 'a.html'));
    expect(summary.documents).toBe(2);
    expect(summary.cut).toBe(16); // 8 candidates per page (Quick Links goes at extraction)
    expect(summary.kept).toBe(2);
    expect(Object.fromEntries(summary.dropped)).toMatchObject({ duplicate: 2, 'too-short': 4, 'wrong-language': 2 });
    const report = (err.read() as Buffer).toString();
    expect(report).toContain('segment: segments cut 16, kept 2, dropped 14');
    expect(report).toMatch(/kept length \(code points\): min \d+ p50 \d+ p90 \d+ max \d+/);
  });
});
