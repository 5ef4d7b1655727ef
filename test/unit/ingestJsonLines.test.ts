import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { readClueWeb22 } from '../../src/ingest/clueweb22';
import { readJsonl } from '../../src/ingest/jsonl';
import { fileSource, type InputSource } from '../../src/ingest/source';
import type { ReadItem, ReaderOptions } from '../../src/ingest/types';
import type { DocumentRecord } from '../../src/records/types';
import { gzipStream } from '../helpers/warcFixtures';

const opts: ReaderOptions = { maxDocumentBytes: 1024 * 1024, now: () => 1_700_000_000_000 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-jsonl-'));

function write(name: string, bytes: Buffer | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

async function collect(gen: AsyncGenerator<ReadItem>): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  for await (const item of gen) items.push(item);
  return items;
}

const docs = (items: ReadItem[]): DocumentRecord[] => items.flatMap((i) => (i.kind === 'document' ? [i.document] : []));
const problems = (items: ReadItem[]) => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));

const LINES = [
  JSON.stringify({ url: 'https://a.example/', html: '<h1>A</h1><p>café</p>' }),
  JSON.stringify({ url: 'https://b.example/', text: 'Plain B' }),
  '{"url": "https://broken.example/", "html": "<p>unterminated',
  '',
  JSON.stringify({ url: 'https://c.example/', markdown: '# C\n\ntext' }),
  JSON.stringify({ url: 'https://d.example/', title: 'no body' }),
  JSON.stringify({ url: 'https://e.example/', html: 42 }),
  '[1, 2]',
  JSON.stringify({ html: '<p>no url</p>', fetched_at: '2024-01-02T03:04:05Z' }),
];

describe('JSONL reader', () => {
  test.each([false, true])('documents with lineage; bad lines are problems with file:line, the other lines are read (gzip=%s)', async (gzip) => {
    const text = LINES.join('\n') + '\n';
    const file = write(`pages${gzip ? '.jsonl.gz' : '.jsonl'}`, gzip ? zlib.gzipSync(text) : text);
    const items = await collect(readJsonl(fileSource(file), opts));
    const d = docs(items);
    expect(d.map((x) => [x.url, x.content_type, x.source_line])).toEqual([
      ['https://a.example/', 'text/html', 1],
      ['https://b.example/', 'text/plain', 2],
      ['https://c.example/', 'text/markdown', 5],
      [null, 'text/html', 9],
    ]);
    expect(d[0]).toMatchObject({ content: '<h1>A</h1><p>café</p>', source_file: file, source_offset: null, charset: 'utf-8' });
    expect(d[3].fetched_at).toBe(Date.parse('2024-01-02T03:04:05Z'));
    const p = problems(items);
    expect(p.map((x) => [x.reason, x.line])).toEqual([
      ['ingest.malformed-json', 3],
      ['ingest.invalid-record', 6],
      ['ingest.invalid-record', 7],
      ['ingest.invalid-record', 8],
    ]);
    expect(p[0].message).toContain(`${file}:3`);
    expect(p[0].sample!.toString()).toBe(LINES[2]);
    expect(p[1].message).toMatch(/no html, text or markdown field/);
    expect(p[2].message).toMatch(/field html is a number/);
  });

  test('a truncated .jsonl.gz: the complete lines, then one ingest.truncated naming the line', async () => {
    const text = Array.from({ length: 200 }, (_, i) => JSON.stringify({ url: `https://x/${i}`, text: `doc ${i} `.repeat(20) })).join('\n') + '\n';
    const gz = zlib.gzipSync(text);
    const file = write('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const items = await collect(readJsonl(fileSource(file), opts));
    const d = docs(items);
    expect(d.length).toBeGreaterThan(10);
    d.forEach((x, i) => expect(x.url).toBe(`https://x/${i}`));
    const p = problems(items);
    expect(p.map((x) => x.reason)).toEqual(['ingest.truncated']);
    expect(p[0].line).toBe(d.length + 1);
    expect(p[0].message).toContain(file);
  });

  test('a gzip bomb line (1 GB of zeros) is ingest.too-large, the next line is read, memory stays flat', async () => {
    const bomb = await gzipStream([Buffer.from('{"url":"https://bomb/","text":"')], 1024 * 1024 * 1024, Buffer.from('"}\n' + JSON.stringify({ url: 'https://after/', text: 'fine' }) + '\n'));
    const file = write('bomb.jsonl.gz', bomb);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const items = await collect(readJsonl(fileSource(file), { ...opts, maxDocumentBytes: 10 * 1024 * 1024 }));
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const p = problems(items);
    expect(p.map((x) => [x.reason, x.line])).toEqual([['ingest.too-large', 1]]);
    expect(p[0].message).toMatch(/10\.0 MB cap/);
    expect(p[0].sample!.length).toBe(64 * 1024);
    expect(docs(items).map((x) => x.url)).toEqual(['https://after/']);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);

  test('stdin-like sources without a file name', async () => {
    const src: InputSource = { file: null, chunks: (async function* () { yield Buffer.from(LINES[0] + '\n{bad\n'); })() };
    const items = await collect(readJsonl(src, opts));
    expect(docs(items)[0]).toMatchObject({ source_file: null, source_line: 1 });
    expect(problems(items)[0].message).toMatch(/^-:2: malformed JSON/);
  });
});

describe('ClueWeb22 reader', () => {
  const records = [
    { URL: 'https://en.wikipedia.org/wiki/Humpback_whale\n', 'URL-hash': 'ABC', Language: 'en', 'ClueWeb22-ID': 'clueweb22-en0000-00-00000', 'Clean-Text': 'Humpback whale\nThe humpback whale is a species of baleen whale.' },
    { URL: 'https://example.org/\n', 'ClueWeb22-ID': 'clueweb22-en0000-00-00001', 'Clean-Text': 'Second\nBody.' },
    { URL: 'https://example.org/none\n', 'ClueWeb22-ID': 'clueweb22-en0000-00-00002' },
  ];

  test('records become text/plain documents with trimmed URLs; a record without Clean-Text is a problem', async () => {
    const file = write('en0000-00.json.gz', zlib.gzipSync(records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
    const items = await collect(readClueWeb22(fileSource(file), opts));
    const d = docs(items);
    expect(d.map((x) => [x.url, x.content_type, x.source_line, x.content])).toEqual([
      ['https://en.wikipedia.org/wiki/Humpback_whale', 'text/plain', 1, records[0]['Clean-Text']],
      ['https://example.org/', 'text/plain', 2, records[1]['Clean-Text']],
    ]);
    expect(problems(items).map((p) => [p.reason, p.line])).toEqual([['ingest.invalid-record', 3]]);
  });

  test('doc ids are stable across two reads and across directories, and differ by line', async () => {
    const text = records.slice(0, 2).map((r) => JSON.stringify(r)).join('\n');
    const a = write('same.json', text);
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-jsonl-b-'));
    const b = path.join(otherDir, 'same.json');
    fs.writeFileSync(b, text);
    const ids = async (f: string) => docs(await collect(readClueWeb22(fileSource(f), opts))).map((x) => x.doc_id);
    const first = await ids(a);
    expect(await ids(a)).toEqual(first);
    expect(await ids(b)).toEqual(first);
    expect(new Set(first).size).toBe(2);
  });
});
