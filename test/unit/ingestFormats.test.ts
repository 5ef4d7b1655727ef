import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import { decodeBytes, metaCharset, normaliseCharset } from '../../src/ingest/charset';
import { detectFormat, formatFromName } from '../../src/ingest/detect';
import { docId } from '../../src/ingest/docId';
import { declaredUrl, readHtmlFile } from '../../src/ingest/htmlFile';
import { expandInputs, readInput, readInputs, totalSize, type SourcedItem } from '../../src/ingest/readInputs';
import { fileSource, type InputSource } from '../../src/ingest/source';
import { readTextFile } from '../../src/ingest/textFile';
import type { ReadItem, ReaderOptions } from '../../src/ingest/types';
import { html, warcFile } from '../helpers/warcFixtures';

const opts: ReaderOptions = { maxDocumentBytes: 1024 * 1024, now: () => 1_700_000_000_000 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-formats-'));

function write(rel: string, bytes: Buffer | string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

function memory(bytes: Buffer | string, file: string | null = null): InputSource {
  return { file, chunks: (async function* () { yield Buffer.from(bytes); })() };
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

const docsOf = (items: ReadItem[]) => items.flatMap((i) => (i.kind === 'document' ? [i.document] : []));

describe('format detection', () => {
  test.each([
    ['crawl.warc.gz', 'warc'],
    ['crawl.WARC', 'warc'],
    ['pages.jsonl', 'json'],
    ['en0000-01.json.gz', 'json'],
    ['page.htm', 'html'],
    ['notes.txt', 'text'],
    ['README.md', 'markdown'],
    ['guide.markdown.gz', 'markdown'],
    ['data.csv', undefined],
  ])('%s by name -> %s', (name, format) => {
    expect(formatFromName(name)).toBe(format);
  });

  test('stdin and unknown extensions are sniffed, gzip looked into; ClueWeb22 vs JSONL by the first record', async () => {
    const { bytes: warc } = await warcFile([{ url: 'http://x/', body: html('X') }], false);
    const { bytes: warcGz } = await warcFile([{ url: 'http://x/', body: html('X') }], true);
    const clue = JSON.stringify({ 'ClueWeb22-ID': 'c-1', URL: 'u\n', 'Clean-Text': 't' }) + '\n';
    const cases: Array<[Buffer | string, string | null, string]> = [
      [warc, null, 'warc'],
      [warcGz, null, 'warc'],
      [warcGz, 'download.bin', 'warc'],
      [clue, null, 'clueweb22'],
      [zlib.gzipSync(clue), 'part-00000', 'clueweb22'],
      [clue, 'x.jsonl', 'clueweb22'],
      ['{"url":"u","html":"<p>"}\n', null, 'jsonl'],
      [zlib.gzipSync('{"url":"u","text":"t"}\n'), 'x.json.gz', 'jsonl'],
      ['\uFEFF  <!doctype html><p>hi', null, 'html'],
      ['Just some words.', null, 'text'],
      [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), 'image', 'binary'],
    ];
    for (const [bytes, file, expected] of cases) {
      const { format, source } = await detectFormat(memory(bytes, file));
      expect([file, format]).toEqual([file, expected]);
      // Nothing peeked is lost.
      const again = Buffer.concat(await collect(source.chunks));
      expect(again.equals(Buffer.from(bytes))).toBe(true);
    }
  });
});

describe('charset decoding', () => {
  test('declared (header, meta, xml), BOM, valid UTF-8, detected, replaced', () => {
    const cafe = iconv.encode('Un café crème, s’il vous plaît. Très bon — déjà vu à Noël.', 'windows-1252');
    expect(decodeBytes(cafe, { declared: 'windows-1252' })).toMatchObject({ charset: 'windows-1252', from: 'header' });
    expect(decodeBytes(Buffer.concat([Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'), cafe]), { html: true })).toMatchObject({
      charset: 'windows-1252',
      from: 'meta',
    });
    expect(decodeBytes(Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?>'), cafe]), { html: true }).charset).toBe('windows-1252');
    expect(decodeBytes(Buffer.from('\uFEFFcafé'), { declared: 'windows-1252' })).toEqual({ text: 'café', charset: 'utf-8', from: 'bom' });
    expect(decodeBytes(Buffer.from('café'))).toEqual({ text: 'café', charset: 'utf-8', from: 'utf-8' });
    const detected = decodeBytes(cafe);
    expect(detected.from).toBe('detected');
    expect(detected.text).toContain('café crème');
    // An unknown label is passed over, never an error.
    expect(decodeBytes(Buffer.from('café'), { declared: 'no-such-charset', html: true })).toMatchObject({ text: 'café', charset: 'utf-8' });
    expect(decodeBytes(Buffer.from([0xff, 0xfe, 0xfd].map((b) => b & 0x7f).concat([0xc3]))).text).toContain('\uFFFD');
  });

  test('labels', () => {
    expect(normaliseCharset('"ISO-8859-1"')).toBe('windows-1252');
    expect(normaliseCharset('UTF8')).toBe('utf-8');
    expect(normaliseCharset('Shift_JIS')).toBe('shift_jis');
    expect(normaliseCharset('nonsense')).toBeUndefined();
    expect(normaliseCharset('')).toBeUndefined();
    expect(metaCharset(Buffer.from('<meta charset="utf-16">'))).toBe('utf-8');
    expect(metaCharset(Buffer.from(' '.repeat(3000) + '<meta charset="koi8-r">'))).toBeUndefined();
  });
});

describe('HTML and text files', () => {
  test('an HTML file: charset from <meta>, url from the canonical link, else file://', async () => {
    const page = iconv.encode('<html><head><meta charset="windows-1252"><link rel="canonical" href="https://docs.example/page"></head><body><p>café</p></body></html>', 'windows-1252');
    const file = write('site/page.html', page);
    const [doc] = docsOf(await collect(readHtmlFile(fileSource(file), opts)));
    expect(doc).toMatchObject({ url: 'https://docs.example/page', source_file: file, content_type: 'text/html', charset: 'windows-1252' });
    expect(doc.content).toContain('café');
    const plain = write('site/plain.htm', html('Plain'));
    const [doc2] = docsOf(await collect(readHtmlFile(fileSource(plain), opts)));
    expect(doc2.url).toBe(pathToFileURL(path.resolve(plain)).href);
  });

  test('canonical and base URLs', () => {
    expect(declaredUrl('<head><base href="https://a.example/dir/"><link rel="canonical" href="page.html"></head>')).toBe('https://a.example/dir/page.html');
    expect(declaredUrl('<head><base href="https://a.example/"></head>')).toBe('https://a.example/');
    expect(declaredUrl('<head><link rel=canonical href="javascript:alert(1)"></head>')).toBeUndefined();
    expect(declaredUrl('<body><link rel="canonical" href="https://late.example/"></body>')).toBeUndefined();
  });

  test('text and Markdown files; an oversized file is too large', async () => {
    const md = write('doc/guide.md', '# Guide\n\nSome text.\n');
    const txt = write('doc/notes.txt', 'Notes.\n');
    expect(docsOf(await collect(readTextFile(fileSource(md), opts)))[0]).toMatchObject({ content_type: 'text/markdown', content: '# Guide\n\nSome text.\n', charset: 'utf-8' });
    expect(docsOf(await collect(readTextFile(fileSource(txt), opts)))[0]).toMatchObject({ content_type: 'text/plain' });
    const big = write('doc/big.txt', 'x'.repeat(2000));
    const [item] = await collect(readTextFile(fileSource(big), { ...opts, maxDocumentBytes: 1000 }));
    expect(item).toMatchObject({ kind: 'problem', problem: { reason: 'ingest.too-large', file: big } });
  });
});

describe('readInputs', () => {
  test('folders (recursive, known extensions), globs, missing paths, stdin', async () => {
    const root = path.join(dir, 'inputs');
    write('inputs/a/one.html', html('One'));
    write('inputs/a/b/two.md', '# Two\n');
    write('inputs/a/b/skip.csv', 'x,y\n');
    write('inputs/c.jsonl', JSON.stringify({ url: 'u', text: 'three' }) + '\n{oops\n');
    const missing = path.join(root, 'nope.warc');
    const exp = await expandInputs([path.join(root, 'a'), path.join(root, '*.jsonl'), missing, path.join(root, 'zzz/*.warc'), '-']);
    expect(exp.inputs.map((i) => path.relative(root, i.path === '-' ? root : i.path) || '-')).toEqual(['a/b/two.md', 'a/one.html', 'c.jsonl', '-']);
    expect(exp.unmatched).toEqual([missing, path.join(root, 'zzz/*.warc')]);
    expect(totalSize(exp)).toBeUndefined(); // stdin has no size
    let bytes = 0;
    const items: SourcedItem[] = await collect(
      readInputs([], { ...opts, expansion: exp, stdin: Readable.from([Buffer.from('From stdin.\n')]), onBytes: (n) => (bytes = n) }),
    );
    const problems = items.flatMap((i) => (i.kind === 'problem' ? [[i.problem.reason, i.source]] : []));
    expect(problems).toEqual([
      ['ingest.missing-input', missing],
      ['ingest.missing-input', path.join(root, 'zzz/*.warc')],
      ['ingest.malformed-json', path.join(root, 'c.jsonl')],
    ]);
    const docs = items.flatMap((i) => (i.kind === 'document' ? [[i.document.content_type, i.source]] : []));
    expect(docs).toEqual([
      ['text/markdown', path.join(root, 'a/b/two.md')],
      ['text/html', path.join(root, 'a/one.html')],
      ['text/plain', path.join(root, 'c.jsonl')],
      ['text/plain', '-'],
    ]);
    expect(bytes).toBeGreaterThan(0);
  });

  test('an unreadable file is a problem, not a crash', async () => {
    // A folder handed to a reader directly fails like an unreadable file (EISDIR), even as root.
    const folder = path.join(dir, 'a-folder');
    fs.mkdirSync(folder, { recursive: true });
    expect((await collect(readInput(folder, opts))).map((i) => (i.kind === 'problem' ? i.problem.reason : i.kind))).toEqual(['ingest.unreadable']);
    if (process.getuid?.() === 0) return; // root reads files whatever their mode
    const file = write('locked/secret.txt', 'secret');
    fs.chmodSync(file, 0o000);
    const items = await collect(readInputs([file], opts));
    expect(items.map((i) => (i.kind === 'problem' ? i.problem.reason : i.kind))).toEqual(['ingest.unreadable']);
  });
});

describe('doc ids', () => {
  test('basename, position and content decide; the directory does not', () => {
    const base = { url: 'http://x/', source_offset: 10, source_line: null, content: 'c' };
    const id = docId({ ...base, source_file: '/data/a/crawl.warc.gz' });
    expect(docId({ ...base, source_file: 'elsewhere/crawl.warc.gz' })).toBe(id);
    expect(docId({ ...base, source_file: '/data/a/other.warc.gz' })).not.toBe(id);
    expect(docId({ ...base, source_file: '/data/a/crawl.warc.gz', source_offset: 11 })).not.toBe(id);
    expect(docId({ ...base, source_file: '/data/a/crawl.warc.gz', content: 'd' })).not.toBe(id);
    // stdin: the URL stands in for the file.
    expect(docId({ ...base, source_file: null })).not.toBe(docId({ ...base, source_file: null, url: 'http://y/' }));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a WARC read twice gives the same keys', async () => {
    const { bytes } = await warcFile([0, 1, 2].map((i) => ({ url: `http://x/${i}`, body: html(`P${i}`) })), true);
    const file = write('twice.warc.gz', bytes);
    const ids = async () => (await collect(readInputs([file], opts))).flatMap((i) => (i.kind === 'document' ? [i.document.doc_id] : []));
    const first = await ids();
    expect(first).toHaveLength(3);
    expect(await ids()).toEqual(first);
  });
});
