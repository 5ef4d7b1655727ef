import { problem, tooLarge } from './items';
import { SAMPLE_BYTES } from './limits';
import { LineSourceError, splitLines } from './lines';
import { GzipError, maybeGunzip, type InputSource } from './source';
import type { ReadItem, ReaderOptions } from './types';

/** Where a JSON record came from, for lineage and messages. */
export interface LineAt {
  file: string | null;
  line: number;
  sample: Buffer;
}

/** Turns one parsed JSON object into a document or a problem. */
export type JsonRecordMapper = (obj: Record<string, unknown>, at: LineAt) => ReadItem;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The JSON-lines skeleton shared by the JSONL and ClueWeb22 readers: plain or gzip (sniffed), one
 * record per line, each line under the size cap. A bad line is a problem naming file and line; the
 * other lines go on. JSON text is UTF-8 (RFC 8259), so bad bytes become U+FFFD rather than a guess.
 */
export async function* readJsonLines(src: InputSource, opts: ReaderOptions, map: JsonRecordMapper): AsyncGenerator<ReadItem> {
  const file = src.file;
  const input = await maybeGunzip(src);
  try {
    for await (const item of splitLines(input.chunks, opts.maxDocumentBytes)) {
      if (item.kind === 'too-large') {
        yield tooLarge(file, { line: item.lineNo, sample: item.head }, item.seen, opts.maxDocumentBytes, 'line');
        continue;
      }
      const text = item.line.toString('utf8');
      if (text.trim() === '') continue;
      const sample = item.line.subarray(0, SAMPLE_BYTES);
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        yield problem('ingest.malformed-json', file, { line: item.lineNo, sample }, `malformed JSON (${(err as Error).message}); line skipped, the other lines are read`);
        continue;
      }
      if (!isObject(obj)) {
        yield problem('ingest.invalid-record', file, { line: item.lineNo, sample }, `expected a JSON object, got ${Array.isArray(obj) ? 'an array' : typeof obj}`);
        continue;
      }
      yield map(obj, { file, line: item.lineNo, sample });
    }
  } catch (err) {
    if (!(err instanceof LineSourceError)) throw err;
    const at = { line: err.lineNo };
    if (err.error instanceof GzipError) {
      const reason = err.error.kind === 'truncated' ? 'ingest.truncated' : 'ingest.corrupt';
      yield problem(reason, file, at, `${err.error.message} in line ${err.lineNo}; the lines before it were read`);
    } else {
      yield problem('ingest.read-error', file, at, `cannot read on (${err.message}); the lines before it were read`);
    }
  }
}

/** A timestamp field as epoch milliseconds: a number (ms) or a date string; null otherwise. */
export function timestampField(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}
