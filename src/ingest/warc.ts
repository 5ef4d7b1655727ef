import zlib from 'node:zlib';
import { AsyncIterReader, LimitReader, StatusAndHeadersParser, WARCParser, type WARCRecord } from 'warcio';
import { charsetParam, decodeBytes } from './charset';
import { buildDocument } from './docId';
import { documentItem, problem, skipped, tooLarge } from './items';
import { CappedStream, pieces, readCapped, SAMPLE_BYTES } from './limits';
import type { InputSource } from './source';
import type { ReadItem, ReaderOptions } from './types';

/** WARC and HTTP header bytes allowed between two records' bodies; more means the file is not WARC. */
const HEADER_BUDGET = 1024 * 1024;
/** HTTP headers ride on top of the document cap. */
const HTTP_HEADER_ALLOWANCE = 64 * 1024;
/** Input pieces fed to warcio's inflater: one piece inflates to at most ~1000x its size (deflate's limit). */
const INFLATE_PIECE = 16 * 1024;

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

class HeaderOverrun extends Error {}

/**
 * warcio's reader with a byte budget: warcio reads WARC and HTTP header lines without a length limit,
 * so garbage without newlines would be buffered whole. While a budget is set, fresh (not re-read)
 * decompressed bytes are counted and reading stops once it is spent.
 */
class GuardedReader extends AsyncIterReader {
  budget: number | null = null;

  override async _next(): Promise<Uint8Array | null> {
    const fresh = this._savedChunk === null;
    const chunk = await super._next();
    if (chunk && fresh && this.budget !== null) {
      this.budget -= chunk.length;
      if (this.budget < 0) throw new HeaderOverrun('WARC header budget spent');
    }
    return chunk;
  }

  /** True when a gzip member failed (bad data or CRC): warcio then reads on as if uncompressed. */
  get corrupt(): boolean {
    return this.compressed === null ? this.numChunks > 0 && this.hadGzip : this.inflator !== null && this.inflator.ended && this.inflator.err !== 0;
  }

  /** Set once the input turned out to be gzip (warcio clears `compressed` on plain input and on corruption). */
  hadGzip = false;

  override _push(value: Uint8Array): void {
    super._push(value);
    if (this.inflator && !this.inflator.err) this.hadGzip = true;
  }

  /** True when the input was gzip and the current member has not reached its end marker. */
  get inMember(): boolean {
    return this.compressed !== null && this.inflator !== null && !this.inflator.ended;
  }
}

function mimeOf(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function looksLikeHtml(bytes: Buffer): boolean {
  return /^\s*(<!doctype html|<html|<head|<body)/i.test(bytes.subarray(0, 512).toString('latin1').replace(/^\uFEFF|^ï»¿/, ''));
}

function dateMs(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

type Decoded = { kind: 'ok'; bytes: Buffer } | { kind: 'too-large' } | { kind: 'bad'; why: string };

/**
 * Undoes HTTP Content-Encoding with zlib, never producing more than `cap` bytes (zlib stops with
 * ERR_BUFFER_TOO_LARGE). Crawlers sometimes store the decoded body under the original header: bytes
 * that do not decode but already look like HTML are taken as they are.
 */
function decodeContentEncoding(bytes: Buffer, encoding: string, cap: number): Decoded {
  const enc = encoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity' || enc === 'none') return { kind: 'ok', bytes };
  const lenient = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: cap };
  const attempts: Array<() => Buffer> =
    enc === 'gzip' || enc === 'x-gzip'
      ? [() => zlib.gunzipSync(bytes, lenient)]
      : enc === 'deflate'
        ? [() => zlib.inflateSync(bytes, lenient), () => zlib.inflateRawSync(bytes, lenient)]
        : enc === 'br'
          ? [() => zlib.brotliDecompressSync(bytes, { maxOutputLength: cap })]
          : [];
  for (const attempt of attempts) {
    try {
      return { kind: 'ok', bytes: attempt() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { kind: 'too-large' };
    }
  }
  if (looksLikeHtml(bytes)) return { kind: 'ok', bytes };
  return { kind: 'bad', why: attempts.length === 0 ? `unsupported Content-Encoding ${encoding}` : `body does not decode as Content-Encoding ${encoding}` };
}

/** Reads what is left of a record (unbuffered); true when the record was complete (not cut by EOF). */
async function drain(record: WARCRecord): Promise<boolean> {
  const reader = record.reader;
  for await (const _chunk of reader) {
    // discarded: only the position in the stream matters
  }
  // warcio's own skip loops forever at EOF; marking the record consumed makes the parser skip nothing.
  record.consumed = 'skipped';
  return !(reader instanceof LimitReader) || reader.limit <= 0;
}

interface RecordContext {
  file: string | null;
  offset: number;
  opts: ReaderOptions;
}

/** What one record gave: items to yield, and whether the input ended inside it. */
interface RecordOutcome {
  items: ReadItem[];
  truncated: boolean;
}

async function handleRecord(record: WARCRecord, ctx: RecordContext): Promise<RecordOutcome> {
  const { file, offset, opts } = ctx;
  const cap = opts.maxDocumentBytes;
  const type = record.warcType;
  // A record cut by the end of the input yields nothing itself; the caller reports the cut once.
  const done = async (items: ReadItem[]): Promise<RecordOutcome> => ((await drain(record)) ? { items, truncated: false } : { items: [], truncated: true });

  if (type !== 'response' && type !== 'resource') return done([skipped('warc.not-response')]);

  const raw = new CappedStream(record.reader, cap + HTTP_HEADER_ALLOWANCE);
  let body: AsyncIterable<Uint8Array> = raw;
  let contentType = record.warcContentType;
  let encoding = '';
  if (type === 'response') {
    if (contentType && !mimeOf(contentType).startsWith('application/http')) return done([skipped('warc.not-html')]);
    const http = new AsyncIterReader(raw, null);
    const headers = await new StatusAndHeadersParser().parse(http, { headersClass: Headers });
    if (headers === null) return done([skipped('warc.empty')]);
    const status = Number(headers.statusCode);
    contentType = headers.headers.get('content-type');
    if (contentType && !HTML_TYPES.has(mimeOf(contentType))) return done([skipped('warc.not-html')]);
    if (!(status >= 200 && status < 300)) return done([skipped('warc.http-status')]);
    encoding = headers.headers.get('content-encoding') ?? '';
    const chunked = (headers.headers.get('transfer-encoding') ?? '').toLowerCase().includes('chunked');
    body = chunked ? new AsyncIterReader(http, null, true) : http;
  } else if (contentType && !HTML_TYPES.has(mimeOf(contentType))) {
    return done([skipped('warc.not-html')]);
  }

  const read = await readCapped(body, Infinity); // bounded by `raw`
  if (raw.over) return done([tooLarge(file, { offset, sample: raw.sample() }, raw.seen, cap, 'WARC record')]);
  if (read.kind !== 'ok') return done([]); // not reached: the cap above is infinite
  if (!(await drain(record))) return { items: [], truncated: true };

  const decoded = decodeContentEncoding(read.bytes, encoding, cap);
  if (decoded.kind === 'too-large') return { items: [tooLarge(file, { offset, sample: read.bytes.subarray(0, SAMPLE_BYTES) }, cap + 1, cap, 'decompressed body')], truncated: false };
  if (decoded.kind === 'bad') return { items: [problem('warc.bad-encoding', file, { offset, sample: read.bytes.subarray(0, SAMPLE_BYTES) }, `${decoded.why}; record skipped`)], truncated: false };
  const bytes = decoded.bytes;
  if (bytes.length === 0) return { items: [skipped('warc.empty')], truncated: false };
  if (!contentType && !looksLikeHtml(bytes)) return { items: [skipped('warc.not-html')], truncated: false };

  const { text, charset } = decodeBytes(bytes, { declared: charsetParam(contentType), html: true });
  const size = Buffer.byteLength(text);
  if (size > cap) return { items: [tooLarge(file, { offset, sample: bytes.subarray(0, SAMPLE_BYTES) }, size, cap, `decoded document (${charset} to UTF-8)`)], truncated: false };
  const document = buildDocument(
    {
      url: record.warcTargetURI ?? null,
      source_file: file,
      source_offset: offset,
      source_line: null,
      content: text,
      content_type: 'text/html',
      charset,
      fetched_at: dateMs(record.warcDate),
    },
    opts.now(),
  );
  return { items: [documentItem(document)], truncated: false };
}

/**
 * WARC or WARC.gz (sniffed by warcio) through warcio's WARCParser. HTML `response`/`resource`
 * records become text/html documents with source_offset = the record's byte offset in the file as
 * stored (compressed offsets for .gz, as warcio's indexer reports them). Every other record is
 * `skipped` with a reason. A cut file yields every complete record, then one `ingest.truncated`.
 * (A WARC gzipped as one stream rather than per record has no per-record offsets: warcio then
 * reports the offset of the gzip member, i.e. 0, for every record.)
 */
export async function* readWarc(src: InputSource, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const file = src.file;
  const input = { ended: false };
  async function* tracked(): AsyncGenerator<Uint8Array> {
    yield* pieces(src.chunks, INFLATE_PIECE);
    input.ended = true;
  }
  const reader = new GuardedReader(tracked(), 'gzip'); // warcio falls back to plain WARC when it is not gzip
  const parser = new WARCParser(reader, { parseHttp: false });
  const truncatedAt = (offset: number, what: string): ReadItem =>
    problem('ingest.truncated', file, { offset }, `the file ends inside the WARC record starting at byte offset ${offset} (${what}); the records before it were read`);

  for (;;) {
    let record: WARCRecord | null;
    reader.budget = HEADER_BUDGET;
    try {
      record = await parser.parse();
    } catch (err) {
      if (err instanceof HeaderOverrun) {
        yield problem('warc.malformed', file, { offset: parser.offset }, `no complete WARC record header within ${HEADER_BUDGET} bytes: not a WARC file from here on; the rest of the file is skipped`);
      } else {
        yield problem('ingest.read-error', file, { offset: parser.offset }, `cannot read on (${(err as Error).message}); the records before it were read`);
      }
      return;
    } finally {
      reader.budget = null;
    }
    if (record === null) break;
    const offset = parser.offset;
    if (!record.warcHeaders.statusline.startsWith('WARC/') || !/^\s*\d+\s*$/.test(record.warcHeaders.headers.get('content-length') ?? '')) {
      yield input.ended
        ? truncatedAt(offset, 'its header is incomplete')
        : problem('warc.malformed', file, { offset }, `expected a WARC record header (WARC/1.x and Content-Length), found ${JSON.stringify(record.warcHeaders.statusline.slice(0, 40))} with Content-Length ${JSON.stringify(record.warcHeaders.headers.get('content-length'))}; the rest of the file is skipped`);
      return;
    }
    let outcome: RecordOutcome;
    try {
      outcome = await handleRecord(record, { file, offset, opts });
    } catch (err) {
      yield problem('ingest.read-error', file, { offset }, `cannot read the record (${(err as Error).message}); the rest of the file is skipped`);
      return;
    }
    // warcio reads a corrupt gzip member as plain bytes from there on: this record and what follows are not trustworthy.
    if (reader.corrupt) {
      yield problem('ingest.corrupt', file, { offset }, 'corrupt gzip data in this record; the rest of the file is skipped');
      return;
    }
    yield* outcome.items;
    if (outcome.truncated || (input.ended && reader.inMember)) {
      yield truncatedAt(offset, 'its gzip member or content is incomplete');
      return;
    }
  }
  if (reader.inMember) yield truncatedAt(parser.offset, 'its gzip member is incomplete');
}
