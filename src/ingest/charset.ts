import { isUtf8 } from 'node:buffer';
import chardet from 'chardet';
import iconv from 'iconv-lite';

/** Where the charset came from, in the order they are tried. */
export type CharsetSource = 'bom' | 'header' | 'meta' | 'utf-8' | 'detected' | 'fallback';

export interface Decoded {
  text: string;
  /** Canonical lower-case name of the charset used, e.g. `utf-8`, `windows-1252` (Document.charset). */
  charset: string;
  from: CharsetSource;
}

export interface DecodeOptions {
  /** The charset parameter of an HTTP Content-Type header, when the input had one. */
  declared?: string | null;
  /** Look for `<meta charset>` / `<meta http-equiv>` / `<?xml encoding>` in the first 2 KB. */
  html?: boolean;
}

/** How far into a page a `<meta charset>` counts (the HTML spec's prescan looks at 1024 bytes; be lenient). */
const META_WINDOW = 2048;
/** chardet looks at this much; more costs time without changing its answer much. */
const DETECT_WINDOW = 64 * 1024;

/**
 * Labels browsers treat as another charset (WHATWG Encoding): pages labelled latin1 or ASCII are in
 * practice windows-1252 (curly quotes at 0x91-0x94), and GB2312 pages use GBK.
 */
const ALIASES: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  iso8859_1: 'windows-1252',
  'iso8859-1': 'windows-1252',
  latin1: 'windows-1252',
  l1: 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  cp1252: 'windows-1252',
  'x-cp1252': 'windows-1252',
  utf8: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  gb2312: 'gbk',
  'x-gbk': 'gbk',
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
};

/** A label we can decode with, canonicalised; undefined for unknown or empty labels (never throws). */
export function normaliseCharset(label: string | null | undefined): string | undefined {
  if (!label) return undefined;
  const clean = label.trim().replace(/^["']|["']$/g, '').trim().toLowerCase();
  if (!clean) return undefined;
  const name = ALIASES[clean] ?? clean;
  return name === 'utf-8' || iconv.encodingExists(name) ? name : undefined;
}

/** The charset parameter of a Content-Type value (`text/html; charset="ISO-8859-1"`). */
export function charsetParam(contentType: string | null | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*("?)([^";,\s]+)\1/i.exec(contentType ?? '');
  return m?.[2];
}

function bomCharset(bytes: Buffer): string | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The charset a page declares in its first bytes: `<meta charset>`, `<meta http-equiv content>`, or an XML declaration. */
export function metaCharset(bytes: Buffer): string | undefined {
  // latin1 maps bytes 1:1, so ASCII markup is found whatever the real charset is.
  const head = bytes.subarray(0, META_WINDOW).toString('latin1');
  const meta = /<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i.exec(head);
  const label = meta?.[1] ?? /^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)/i.exec(head)?.[1];
  if (!label) return undefined;
  // A page readable as ASCII cannot really be UTF-16; browsers read it as UTF-8 (HTML spec).
  return /^utf-?16/i.test(label) ? 'utf-8' : label;
}

function decodeAs(bytes: Buffer, charset: string): string {
  if (charset === 'utf-8') {
    const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    return bytes.toString('utf8', start); // invalid sequences become U+FFFD
  }
  return iconv.decode(bytes, charset); // strips a BOM of its own charset
}

/** chardet's guess, canonicalised; undefined when it has none or names something we cannot decode. */
function detect(bytes: Buffer): string | undefined {
  const guess = chardet.detect(bytes.subarray(0, DETECT_WINDOW));
  return normaliseCharset(guess);
}

/**
 * Bytes to text. Order: a BOM (unambiguous bytes; browsers let it override labels too), the HTTP
 * header's charset, the page's own declaration, then UTF-8 when the bytes are valid UTF-8, then
 * chardet's guess, else UTF-8 with U+FFFD for bad bytes. An unknown label is passed over, never
 * an error: the next source decides.
 */
export function decodeBytes(bytes: Buffer, opts: DecodeOptions = {}): Decoded {
  const bom = bomCharset(bytes);
  if (bom) return { text: decodeAs(bytes, bom), charset: bom, from: 'bom' };
  const header = normaliseCharset(opts.declared);
  if (header) return { text: decodeAs(bytes, header), charset: header, from: 'header' };
  if (opts.html) {
    const meta = normaliseCharset(metaCharset(bytes));
    if (meta) return { text: decodeAs(bytes, meta), charset: meta, from: 'meta' };
  }
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), charset: 'utf-8', from: 'utf-8' };
  const detected = detect(bytes);
  if (detected && detected !== 'utf-8') return { text: decodeAs(bytes, detected), charset: detected, from: 'detected' };
  return { text: bytes.toString('utf8'), charset: 'utf-8', from: 'fallback' };
}
