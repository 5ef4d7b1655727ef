import { CLUEWEB22_KEYS } from './clueweb22';
import { gunzipHead, isGzip, peek, type InputSource } from './source';

export type Format = 'warc' | 'clueweb22' | 'jsonl' | 'html' | 'text' | 'markdown';

/** What a name or the first bytes say; `json` still needs the first record to tell ClueWeb22 from JSONL. */
type Hint = Format | 'json';

const BY_EXTENSION: Array<[RegExp, Hint]> = [
  [/\.warc$/i, 'warc'],
  [/\.(jsonl|ndjson|json)$/i, 'json'],
  [/\.(html?|xhtml)$/i, 'html'],
  [/\.(txt|text)$/i, 'text'],
  [/\.(md|markdown)$/i, 'markdown'],
];

/** Bytes looked at to sniff a format (decompressed when the input is gzip). */
const SNIFF_BYTES = 64 * 1024;

/** The format a file name implies (`.gz` looked through), or undefined for an unknown extension. */
export function formatFromName(file: string): Hint | undefined {
  const name = file.replace(/\.gz$/i, '');
  return BY_EXTENSION.find(([re]) => re.test(name))?.[1];
}

/** True for files a folder expansion picks up: a known extension, plain or .gz. */
export function hasKnownExtension(file: string): boolean {
  return formatFromName(file) !== undefined;
}

/** What the first bytes look like: `WARC/`, a JSON object, markup, text, or binary (NUL bytes, no UTF-16 BOM). */
export function sniff(head: Buffer): Hint | 'binary' {
  const utf16 = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  if (!utf16 && head.subarray(0, 1024).includes(0)) return 'binary';
  const start = head.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('WARC/')) return 'warc';
  if (start.startsWith('{')) return 'json';
  if (start.startsWith('<')) return 'html';
  return 'text';
}

/** ClueWeb22 or generic JSONL, by the keys of the first record (or its start, if longer than the head). */
export function jsonFlavour(head: Buffer): 'clueweb22' | 'jsonl' {
  const text = head.toString('utf8');
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  try {
    const obj: unknown = JSON.parse(first);
    if (typeof obj === 'object' && obj !== null) return CLUEWEB22_KEYS.some((k) => k in obj) ? 'clueweb22' : 'jsonl';
  } catch {
    // the first line is longer than the head (or malformed): look at the keys it starts with
  }
  return CLUEWEB22_KEYS.some((k) => first.includes(`"${k}"`)) ? 'clueweb22' : 'jsonl';
}

/**
 * The input's format: by extension where that settles it, else by its first bytes (gzip is looked
 * into). Returns a source that still yields every byte (the peeked ones are replayed).
 */
export async function detectFormat(src: InputSource): Promise<{ format: Format | 'binary'; source: InputSource }> {
  const byName = src.file === null ? undefined : formatFromName(src.file);
  if (byName !== undefined && byName !== 'json') return { format: byName, source: src };
  const { head, source } = await peek(src, SNIFF_BYTES);
  const inner = isGzip(head) ? await gunzipHead(head, SNIFF_BYTES) : head;
  const hint = byName ?? sniff(inner);
  return { format: hint === 'json' ? jsonFlavour(inner) : hint, source };
}
