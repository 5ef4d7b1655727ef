import crypto from 'node:crypto';

/**
 * Normalisation behind the segment id, so that texts differing only in form get the same key:
 *   1. Unicode NFKC (full-width letters, ligatures, non-breaking spaces become their plain forms);
 *   2. lower case;
 *   3. every punctuation character (Unicode category P: quotes, dashes, commas, brackets ...) becomes
 *      a space, so "e.g., whales" and "e g whales" agree while words never run together;
 *   4. runs of whitespace collapse to one space; leading and trailing whitespace is dropped.
 * Symbols (category S: + = < > $ and the like) and digits are kept: in code and maths they carry
 * meaning, and two texts that differ there are different answers.
 */
export function normalizeText(text: string): string {
  // NFKC leaves ASCII unchanged; skipping it there saves a pass over most web text.
  // eslint-disable-next-line no-control-regex -- plain ASCII (control characters included) needs no NFKC
  return (/^[\x00-\x7f]*$/.test(text) ? text : text.normalize('NFKC'))
    .toLowerCase()
    .replace(/\p{P}+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The segment id: sha256 hex of the normalised text. Equal normalised text, equal key, same partition. */
export function segmentId(text: string): string {
  return crypto.createHash('sha256').update(normalizeText(text), 'utf8').digest('hex');
}

/**
 * The first 64 bits of a hex digest as two unsigned 32-bit numbers, for compact in-memory sets.
 * Two distinct segments share a prefix with probability about n^2 / 2^65 (under 1e-3 for 1e8
 * segments); such a collision drops one segment as a duplicate, which is acceptable for a sample.
 */
export function hashPrefix64(hexDigest: string): [hi: number, lo: number] {
  if (!/^[0-9a-f]{16}/i.test(hexDigest)) throw new TypeError(`not a hex digest: ${hexDigest.slice(0, 20)}`);
  return [parseInt(hexDigest.slice(0, 8), 16) >>> 0, parseInt(hexDigest.slice(8, 16), 16) >>> 0];
}

/** 32-bit FNV-1a over UTF-16 code units: a fast, deterministic, non-cryptographic string hash. */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Length in Unicode code points (what docs/method.md's character counts mean), not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
