import crypto from 'node:crypto';

/** sha256 hex of the parts, NUL-separated (no part contains NUL, so the encoding is unambiguous). */
export function contentKey(...parts: Array<string | number>): string {
  return crypto.createHash('sha256').update(parts.join('\u0000')).digest('hex');
}
