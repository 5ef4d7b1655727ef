import crypto from 'node:crypto';

/** A prompt's version: a short hash of its template, recorded with every output it produced. */
export function promptVersion(...templateParts: string[]): string {
  return crypto.createHash('sha256').update(templateParts.join('\u0000')).digest('hex').slice(0, 12);
}

/**
 * Delimiters for untrusted text inside a prompt. The tag carries a nonce derived from the content,
 * so the text cannot contain a matching closing tag (its author would have to know the hash of a
 * text that contains that hash).
 */
export function fence(label: string, nonceSource: string): { open: string; close: string } {
  const nonce = crypto.createHash('sha256').update(nonceSource).digest('hex').slice(0, 8);
  return { open: `<${label}-${nonce}>`, close: `</${label}-${nonce}>` };
}
