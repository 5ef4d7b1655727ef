#!/usr/bin/env node
/**
 * Rebuilds the bundled sample corpus from Debian's python3.11-doc package:
 *   samples/corpus/**.html   the selected pages, copied byte for byte
 *   samples/corpus.warc.gz   the same pages as WARC response records (+ warcinfo, request, one CSS)
 *   samples/seed.jsonl       (question, answer) pairs from the FAQ pages
 *
 * Usage (developers only; tests and CI use the committed outputs):
 *   apt-get install python3.11-doc
 *   node samples/build-samples.js            # or PYTHON_DOCS=/path/to/html node samples/build-samples.js
 *
 * Deterministic: fixed WARC-Date, record ids are UUIDv5 of the record type and URL, each record is
 * gzipped separately with zlib at a fixed level (gzip header mtime 0), pages in a fixed order. Running
 * it twice gives byte-identical outputs.
 *
 * Plain CommonJS so it needs no build step; src/text/htmlToText.ts is loaded through TypeScript's
 * transpileModule (typescript is a devDependency).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..');
const SRC = process.env.PYTHON_DOCS || '/usr/share/doc/python3.11/html';
const OUT = __dirname;
const URL_PREFIX = 'https://docs.python.org/3.11/';
const WARC_DATE = '2025-01-01T00:00:00Z';
const WARC_FILENAME = 'corpus.warc.gz';

/** The pages, in WARC order. Paths are relative to the docs' html/ directory and to samples/corpus/. */
const PAGES = [
  // Top level: the license and copyright pages travel with the corpus.
  'about.html',
  'copyright.html',
  'license.html',
  // FAQ (also the source of seed.jsonl).
  'faq/index.html',
  'faq/general.html',
  'faq/programming.html',
  'faq/design.html',
  'faq/library.html',
  'faq/extending.html',
  'faq/windows.html',
  'faq/gui.html',
  'faq/installed.html',
  // The tutorial, complete.
  'tutorial/index.html',
  'tutorial/appetite.html',
  'tutorial/interpreter.html',
  'tutorial/introduction.html',
  'tutorial/controlflow.html',
  'tutorial/datastructures.html',
  'tutorial/modules.html',
  'tutorial/inputoutput.html',
  'tutorial/errors.html',
  'tutorial/classes.html',
  'tutorial/stdlib.html',
  'tutorial/stdlib2.html',
  'tutorial/venv.html',
  'tutorial/whatnow.html',
  'tutorial/interactive.html',
  'tutorial/floatingpoint.html',
  'tutorial/appendix.html',
  // HOWTOs.
  'howto/index.html',
  'howto/annotations.html',
  'howto/cporting.html',
  'howto/ipaddress.html',
  'howto/sockets.html',
  'howto/sorting.html',
  'howto/unicode.html',
  'howto/urllib2.html',
  // Library reference: small and medium module pages.
  'library/abc.html',
  'library/atexit.html',
  'library/base64.html',
  'library/bisect.html',
  'library/colorsys.html',
  'library/copy.html',
  'library/fnmatch.html',
  'library/getpass.html',
  'library/glob.html',
  'library/heapq.html',
  'library/html.html',
  'library/keyword.html',
  'library/linecache.html',
  'library/netrc.html',
  'library/secrets.html',
  'library/shlex.html',
  'library/tempfile.html',
  'library/textwrap.html',
  'library/timeit.html',
  'library/tomllib.html',
  'library/uuid.html',
];

/** A non-HTML response for the reader to skip (and count); inserted after this many pages. */
const NON_HTML = { path: '_static/pydoctheme.css', contentType: 'text/css', after: 5 };

const FAQ_PAGES = [
  'faq/general.html',
  'faq/programming.html',
  'faq/design.html',
  'faq/library.html',
  'faq/extending.html',
  'faq/windows.html',
  'faq/gui.html',
  'faq/installed.html',
];
const SEED_MIN_OUTPUT = 80;
const SEED_MAX_OUTPUT = 4000;

// --- load src/text/htmlToText.ts without a build --------------------------------------------------
function requireTs(file) {
  const ts = require(path.join(ROOT, 'node_modules', 'typescript'));
  if (!require.extensions['.ts']) {
    require.extensions['.ts'] = (mod, filename) => {
      const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        fileName: filename,
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
      });
      mod._compile(out.outputText, filename);
    };
  }
  return require(file);
}

// --- helpers ----------------------------------------------------------------------------------------
/** RFC 4122 version-5 UUID (SHA-1, URL namespace) of a name: stable record ids. */
function uuidV5(name) {
  const ns = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
  const h = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

const recordId = (type, url) => `<urn:uuid:${uuidV5(`${type} ${url}`)}>`;

async function serialize(record) {
  const { WARCSerializer } = require('warcio');
  const raw = await WARCSerializer.serialize(record, { gzip: false });
  return zlib.gzipSync(Buffer.from(raw), { level: 9 });
}

function rmrf(p) {
  fs.rmSync(p, { recursive: true, force: true });
}

// --- corpus -------------------------------------------------------------------------------------------
function copyCorpus() {
  const dir = path.join(OUT, 'corpus');
  rmrf(dir);
  let bytes = 0;
  for (const page of PAGES) {
    const from = path.join(SRC, page);
    const to = path.join(dir, page);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    bytes += fs.statSync(to).size;
  }
  return bytes;
}

// --- WARC ---------------------------------------------------------------------------------------------
async function buildWarc() {
  const { WARCRecord } = require('warcio');
  const chunks = [];

  const info = WARCRecord.createWARCInfo(
    {
      filename: WARC_FILENAME,
      date: WARC_DATE,
      warcHeaders: { 'WARC-Record-ID': recordId('warcinfo', WARC_FILENAME) },
    },
    {
      software: 'humpback-stream samples/build-samples.js (warcio)',
      format: 'WARC File Format 1.0',
      description:
        'Python 3.11 documentation pages from the Debian package python3.11-doc, served as if crawled ' +
        `from ${URL_PREFIX}. License: PSF License Version 2 (see samples/README.md).`,
      isPartOf: 'humpback-stream samples',
    },
  );
  chunks.push(await serialize(info));

  const response = (url, body, contentType) =>
    WARCRecord.create(
      {
        url,
        date: WARC_DATE,
        type: 'response',
        warcHeaders: { 'WARC-Record-ID': recordId('response', url) },
        httpHeaders: { 'Content-Type': contentType, 'Content-Length': String(body.length) },
        statusline: 'HTTP/1.1 200 OK',
      },
      [body],
    );

  for (let i = 0; i < PAGES.length; i++) {
    const page = PAGES[i];
    const url = URL_PREFIX + page;
    if (i === 0) {
      // One request record, as crawlers write before each response; readers must skip it.
      const u = new URL(url);
      const request = WARCRecord.create(
        {
          url,
          date: WARC_DATE,
          type: 'request',
          warcHeaders: {
            'WARC-Record-ID': recordId('request', url),
            'WARC-Concurrent-To': recordId('response', url),
          },
          httpHeaders: { Host: u.host, 'User-Agent': 'humpback-stream-samples/1.0', Accept: 'text/html' },
          statusline: `GET ${u.pathname} HTTP/1.1`,
        },
        [],
      );
      chunks.push(await serialize(request));
    }
    const body = new Uint8Array(fs.readFileSync(path.join(SRC, page)));
    chunks.push(await serialize(response(url, body, 'text/html; charset=utf-8')));
    if (i + 1 === NON_HTML.after) {
      const other = new Uint8Array(fs.readFileSync(path.join(SRC, NON_HTML.path)));
      chunks.push(await serialize(response(URL_PREFIX + NON_HTML.path, other, NON_HTML.contentType)));
    }
  }
  const buf = Buffer.concat(chunks);
  fs.writeFileSync(path.join(OUT, WARC_FILENAME), buf);
  return { bytes: buf.length, records: chunks.length };
}

// --- seed pairs ---------------------------------------------------------------------------------------
/**
 * Each FAQ entry is a leaf <section> (one without sub-sections) inside the page body: its heading is
 * the question, the rest of the section the answer, converted with htmlToStructuredText.
 */
function buildSeed() {
  const { parseDocument } = require('htmlparser2');
  const { htmlToStructuredText } = requireTs(path.join(ROOT, 'src', 'text', 'htmlToText.ts'));
  const lines = [];
  const skipped = { short: 0, long: 0, empty: 0 };
  for (const page of FAQ_PAGES) {
    const html = fs.readFileSync(path.join(SRC, page), 'utf8');
    const doc = parseDocument(html, { withStartIndices: true, withEndIndices: true });
    const sections = [];
    const walk = (node) => {
      for (const c of node.children || []) {
        if (c.type !== 'tag') continue;
        if (c.name === 'section') sections.push(c);
        walk(c);
      }
    };
    walk(doc);
    const hasSubsection = (s) => {
      const stack = [...s.children];
      while (stack.length > 0) {
        const n = stack.pop();
        if (n.type !== 'tag') continue;
        if (n.name === 'section') return true;
        stack.push(...n.children);
      }
      return false;
    };
    for (const section of sections) {
      if (hasSubsection(section)) continue;
      const id = section.attribs.id;
      const { blocks } = htmlToStructuredText(html.slice(section.startIndex, section.endIndex + 1));
      const head = blocks[0];
      if (!head || head.kind !== 'heading' || !id) continue;
      const instruction = head.text;
      const output = blocks
        .slice(1)
        .map((b) => b.text)
        .join('\n\n')
        .trim();
      if (instruction.length === 0 || output.length === 0) skipped.empty++;
      else if (output.length < SEED_MIN_OUTPUT) skipped.short++;
      else if (output.length > SEED_MAX_OUTPUT) skipped.long++;
      else lines.push(JSON.stringify({ instruction, output, source: `${URL_PREFIX}${page}#${id}` }));
    }
  }
  fs.writeFileSync(path.join(OUT, 'seed.jsonl'), lines.join('\n') + '\n');
  return { pairs: lines.length, skipped };
}

async function main() {
  if (!fs.existsSync(path.join(SRC, 'faq', 'general.html'))) {
    console.error(`Python docs not found under ${SRC}: apt-get install python3.11-doc, or set PYTHON_DOCS.`);
    process.exit(2);
  }
  const corpusBytes = copyCorpus();
  const warc = await buildWarc();
  const seed = buildSeed();
  console.log(`corpus: ${PAGES.length} pages, ${(corpusBytes / 1e6).toFixed(2)} MB in samples/corpus/`);
  console.log(`warc:   ${warc.records} records, ${(warc.bytes / 1e6).toFixed(2)} MB in samples/${WARC_FILENAME}`);
  console.log(
    `seed:   ${seed.pairs} pairs in samples/seed.jsonl ` +
      `(skipped: ${seed.skipped.short} answers < ${SEED_MIN_OUTPUT} chars, ` +
      `${seed.skipped.long} > ${SEED_MAX_OUTPUT} chars, ${seed.skipped.empty} empty)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
