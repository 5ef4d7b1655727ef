import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import type { DocumentRecord } from '../../src/records/types';
import { fileSource, type InputSource } from '../../src/ingest/source';
import type { ReadItem, ReadProblem, ReaderOptions } from '../../src/ingest/types';
import { readWarc } from '../../src/ingest/warc';
import { gzipBombRecord, html, warcFile, warcRecord, type FixtureRecord } from '../helpers/warcFixtures';

const opts: ReaderOptions = { maxDocumentBytes: 10 * 1024 * 1024, now: () => 1_700_000_000_000 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-warc-'));

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

async function readAll(src: InputSource, o: ReaderOptions = opts): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  for await (const item of readWarc(src, o)) items.push(item);
  return items;
}

const docs = (items: ReadItem[]): DocumentRecord[] => items.flatMap((i) => (i.kind === 'document' ? [i.document] : []));
const problems = (items: ReadItem[]): ReadProblem[] => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
function skips(items: ReadItem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) if (i.kind === 'skipped') out[i.reason] = (out[i.reason] ?? 0) + 1;
  return out;
}

const MIXED: FixtureRecord[] = [
  { url: 'http://example.org/robots.txt', type: 'request', body: '' },
  { url: 'http://example.org/a', body: html('Alpha') },
  { url: 'http://example.org/data.json', httpHeaders: { 'Content-Type': 'application/json' }, body: '{"a":1}' },
  { url: 'http://example.org/b', httpHeaders: { 'Content-Type': 'application/xhtml+xml' }, body: html('Beta') },
  { url: 'http://example.org/gone', statusline: 'HTTP/1.1 404 Not Found', body: html('Not found') },
  { url: 'http://example.org/c', type: 'resource', warcContentType: 'text/html', body: html('Gamma') },
  { url: 'http://example.org/logo.png', type: 'resource', warcContentType: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
  { url: 'http://example.org/meta', type: 'metadata', warcContentType: 'application/warc-fields', body: 'outlink: x\r\n' },
];

describe.each([false, true])('WARC reader (gzip=%s)', (gzip) => {
  test('HTML response/resource records become documents with lineage; the rest are skipped by reason', async () => {
    const { bytes, offsets } = await warcFile(MIXED, gzip);
    const file = write(`mixed.warc${gzip ? '.gz' : ''}`, bytes);
    const items = await readAll(fileSource(file));
    expect(problems(items)).toEqual([]);
    expect(skips(items)).toEqual({ 'warc.not-response': 2, 'warc.not-html': 2, 'warc.http-status': 1 });
    const d = docs(items);
    expect(d.map((x) => x.url)).toEqual(['http://example.org/a', 'http://example.org/b', 'http://example.org/c']);
    expect(d.map((x) => x.source_offset)).toEqual([offsets[1], offsets[3], offsets[5]]);
    for (const x of d) {
      expect(x).toMatchObject({ source_file: file, source_line: null, content_type: 'text/html', charset: 'utf-8', ingested_at: opts.now() });
      expect(x.fetched_at).toBe(Date.parse('2023-05-06T07:08:09Z'));
      expect(x.doc_id).toMatch(/^[0-9a-f]{64}$/);
      // The offset points at the record itself, in the file as stored.
      const at = bytes.subarray(x.source_offset!);
      const head = (gzip ? zlib.gunzipSync(at.subarray(0, offsets[offsets.indexOf(x.source_offset!) + 1] - x.source_offset!)) : at).subarray(0, 200).toString();
      expect(head.startsWith('WARC/1.1\r\n')).toBe(true);
      expect(head).toContain(`WARC-Target-URI: ${x.url}`);
    }
    expect(d[0].content).toBe(html('Alpha'));
  });

  test('a file cut mid-record: every complete record before the cut, then one ingest.truncated naming file and offset', async () => {
    const records = [0, 1, 2, 3].map((i) => ({ url: `http://example.org/${i}`, body: html(`Page ${i}`, `<p>${'text '.repeat(200)}</p>`) }));
    const { bytes, offsets } = await warcFile(records, gzip);
    const cut = offsets[2] + Math.floor((offsets[3] - offsets[2]) / 2);
    const file = write(`cut.warc${gzip ? '.gz' : ''}`, bytes.subarray(0, cut));
    const items = await readAll(fileSource(file));
    expect(docs(items).map((x) => x.url)).toEqual(['http://example.org/0', 'http://example.org/1']);
    const p = problems(items);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ reason: 'ingest.truncated', file, offset: offsets[2] });
    expect(p[0].message).toContain(file);
    expect(p[0].message).toContain(String(offsets[2]));
    expect(items[items.length - 1].kind).toBe('problem');
  });

  test('cut at any byte: never a crash, never half a document, at most one problem', async () => {
    const records = [0, 1, 2].map((i) => ({ url: `http://example.org/${i}`, body: html(`Page ${i}`) }));
    const { bytes, offsets } = await warcFile(records, gzip);
    const ends = offsets.map((_, i) => offsets[i + 1] ?? bytes.length);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const items = await readAll({ file: 'cut.warc', chunks: (async function* () { yield bytes.subarray(0, cut); })() });
      const got = docs(items);
      got.forEach((d, i) => expect([d.url, d.content]).toEqual([records[i].url, records[i].body]));
      expect(got.length).toBeGreaterThanOrEqual(ends.filter((e) => e <= cut).length);
      expect(got.length).toBeLessThanOrEqual(offsets.filter((o) => o < cut).length);
      const p = problems(items);
      expect(p.length).toBeLessThanOrEqual(1);
      // In a plain WARC, a cut inside the CRLFs that close the last record loses nothing.
      const whole = ends.includes(cut) || (!gzip && ends.some((e) => cut >= e - 4 && cut < e));
      expect([cut, p.map((x) => x.reason)]).toEqual([cut, whole ? [] : ['ingest.truncated']]);
    }
  });
});

describe('WARC reader: one gzip stream for the whole file', () => {
  test('records are read; a cut yields the complete ones and one ingest.truncated', async () => {
    // Text that does not compress to nothing: warcio's inflater holds back up to one output chunk at a cut.
    let seed = 7;
    const words = (n: number) => Array.from({ length: n }, () => ((seed = (seed * 48271) % 2147483647) % 100000).toString(36)).join(' ');
    const records = [0, 1, 2, 3].map((i) => ({ url: `http://example.org/${i}`, body: html(`Page ${i}`, `<p>${words(6000)}</p>`) }));
    const { bytes } = await warcFile(records, false);
    const whole = zlib.gzipSync(bytes);
    const all = await readAll(fileSource(write('whole.warc.gz', whole)));
    expect(problems(all)).toEqual([]);
    expect(docs(all).map((d) => d.url)).toEqual(records.map((r) => r.url));
    const cut = await readAll(fileSource(write('whole-cut.warc.gz', whole.subarray(0, Math.floor(whole.length * 0.75)))));
    expect(docs(cut).length).toBeGreaterThanOrEqual(1);
    docs(cut).forEach((d, i) => expect(d.content).toBe(records[i].body));
    expect(problems(cut).map((p) => p.reason)).toEqual(['ingest.truncated']);
  });

  test('a bad Content-Length is warc.malformed, never a hang', async () => {
    const bad = Buffer.from('WARC/1.1\r\nWARC-Type: response\r\nContent-Length: lots\r\n\r\nbody\r\n\r\n');
    const items = await readAll({ file: 'bad.warc', chunks: (async function* () { yield bad; })() });
    expect(problems(items).map((p) => p.reason)).toEqual(['warc.malformed']);
  });
});

describe('WARC reader: charsets', () => {
  test('a windows-1252 page with <meta charset=windows-1252> decodes café', async () => {
    const body = iconv.encode(`<html><head><meta charset="windows-1252"><title>Menu</title></head><body><p>café crème — “quoted”</p></body></html>`, 'windows-1252');
    const { bytes } = await warcFile([{ url: 'http://example.fr/', httpHeaders: { 'Content-Type': 'text/html' }, body }], true);
    const [doc] = docs(await readAll(fileSource(write('cp1252.warc.gz', bytes))));
    expect(doc.charset).toBe('windows-1252');
    expect(doc.content).toContain('café crème — “quoted”');
  });

  test('the HTTP header charset wins over a wrong <meta>', async () => {
    const body = iconv.encode(`<html><head><meta charset="utf-8"></head><body>Dvořák</body></html>`, 'iso-8859-2');
    const { bytes } = await warcFile([{ url: 'http://example.cz/', httpHeaders: { 'Content-Type': 'text/html; charset=ISO-8859-2' }, body }], false);
    const [doc] = docs(await readAll(fileSource(write('latin2.warc', bytes))));
    expect(doc.charset).toBe('iso-8859-2');
    expect(doc.content).toContain('Dvořák');
  });

  test('an unknown or wrong declared charset does not crash', async () => {
    const records: FixtureRecord[] = [
      { url: 'http://x/1', httpHeaders: { 'Content-Type': 'text/html; charset=x-no-such-charset' }, body: html('Unknown label café') },
      { url: 'http://x/2', httpHeaders: { 'Content-Type': 'text/html' }, body: '<html><head><meta charset="bogus-42"></head><body>déjà vu</body></html>' },
      { url: 'http://x/3', httpHeaders: { 'Content-Type': 'text/html; charset=utf-8' }, body: Buffer.from([0x3c, 0x70, 0x3e, 0x63, 0x61, 0x66, 0xe9, 0xff, 0xfe, 0x3c, 0x2f, 0x70, 0x3e]) },
    ];
    const { bytes } = await warcFile(records, true);
    const items = await readAll(fileSource(write('badcharset.warc.gz', bytes)));
    expect(problems(items)).toEqual([]);
    const d = docs(items);
    expect(d.map((x) => x.charset)).toEqual(['utf-8', 'utf-8', 'utf-8']);
    expect(d[0].content).toContain('café');
    expect(d[1].content).toContain('déjà vu');
    expect(d[2].content).toBe('<p>caf\uFFFD\uFFFD\uFFFD</p>'); // declared UTF-8, bad bytes replaced
  });
});

describe('WARC reader: HTTP encodings', () => {
  test('gzip Content-Encoding and chunked Transfer-Encoding bodies are decoded', async () => {
    const page = html('Encoded');
    const chunked = `${Buffer.byteLength(page.slice(0, 20)).toString(16)}\r\n${page.slice(0, 20)}\r\n${Buffer.byteLength(page.slice(20)).toString(16)}\r\n${page.slice(20)}\r\n0\r\n\r\n`;
    const { bytes } = await warcFile(
      [
        { url: 'http://x/gz', httpHeaders: { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' }, body: zlib.gzipSync(page) },
        { url: 'http://x/chunked', httpHeaders: { 'Content-Type': 'text/html', 'Transfer-Encoding': 'chunked' }, body: chunked },
        { url: 'http://x/br', httpHeaders: { 'Content-Type': 'text/html', 'Content-Encoding': 'br' }, body: zlib.brotliCompressSync(page) },
      ],
      false,
    );
    const d = docs(await readAll(fileSource(write('enc.warc', bytes))));
    expect(d.map((x) => x.content)).toEqual([page, page, page]);
  });
});

describe('WARC reader: size cap', () => {
  test('a record over the cap is ingest.too-large with file, offset, size and cap; the next record is read', async () => {
    const big = { url: 'http://x/big', body: html('Big', 'x'.repeat(300_000)) };
    const { bytes, offsets } = await warcFile([big, { url: 'http://x/small', body: html('Small') }], true);
    const file = write('big.warc.gz', bytes);
    const items = await readAll(fileSource(file), { ...opts, maxDocumentBytes: 100_000 });
    expect(docs(items).map((d) => d.url)).toEqual(['http://x/small']);
    const [p] = problems(items);
    expect(p).toMatchObject({ reason: 'ingest.too-large', file, offset: offsets[0] });
    expect(p.message).toMatch(/0\.1 MB cap/);
    expect(p.sample!.length).toBeGreaterThan(0);
    expect(p.sample!.length).toBeLessThanOrEqual(64 * 1024);
  });

  test('a gzip bomb (1 GB of zeros in one record) is too large and does not blow up memory', async () => {
    const bomb = await gzipBombRecord('http://x/bomb', 1024 * 1024 * 1024);
    const after = await warcRecord({ url: 'http://x/after', body: html('After') }, true);
    const file = write('bomb.warc.gz', Buffer.concat([bomb, after]));
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const items: ReadItem[] = [];
    for await (const item of readWarc(fileSource(file), opts)) {
      peak = Math.max(peak, process.memoryUsage().rss);
      items.push(item);
    }
    clearInterval(timer);
    expect(problems(items).map((p) => [p.reason, p.offset])).toEqual([['ingest.too-large', 0]]);
    expect(docs(items).map((d) => d.url)).toEqual(['http://x/after']);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);
});

describe('WARC reader: corrupt gzip', () => {
  test('a flipped byte anywhere: never a crash, never a wrong document, the records before it are read', async () => {
    // Small records and ones spanning several inflate output chunks (emitted before the CRC is checked).
    let seed = 11;
    const words = (n: number) => Array.from({ length: n }, () => ((seed = (seed * 48271) % 2147483647) % 100000).toString(36)).join(' ');
    const records = [0, 1, 2].map((i) => ({ url: `http://example.org/${i}`, body: html(`Page ${i}`, i === 1 ? `<p>${words(8000)}</p>` : '') }));
    const { bytes, offsets } = await warcFile(records, true);
    const positions = Array.from({ length: offsets[2] - offsets[1] - 10 }, (_, k) => offsets[1] + 10 + k).filter((at, k) => k % 97 === 0 || at >= offsets[2] - 40);
    for (const at of positions) {
      const bad = Buffer.from(bytes);
      bad[at] ^= 0x55;
      const items = await readAll({ file: 'flip.warc.gz', chunks: (async function* () { yield bad; })() });
      const got = docs(items);
      for (const d of got) expect(records.some((r) => r.url === d.url && r.body === d.content)).toBe(true);
      expect(got[0]?.url).toBe('http://example.org/0');
    }
  });
});

describe('WARC reader: not a WARC', () => {
  test('garbage without newlines is one warc.malformed problem, read with bounded memory', async () => {
    const junk = Buffer.alloc(3 * 1024 * 1024, 0x41);
    const items = await readAll({ file: 'junk.warc', chunks: (async function* () { yield junk; })() });
    expect(problems(items).map((p) => p.reason)).toEqual(['warc.malformed']);
  });

  test('text that is not WARC is one warc.malformed problem', async () => {
    const items = await readAll({ file: 'notes.warc', chunks: (async function* () { yield Buffer.from('hello\r\nworld: 1\r\n\r\nmore text\r\n'); })() });
    expect(problems(items).map((p) => p.reason)).toEqual(['warc.malformed']);
  });
});
