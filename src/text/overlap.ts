/**
 * Word-level overlap between a short text and a source it may have been copied from (an
 * instruction and its segment, a rationale and the prompt it echoes). Words are lowercase letter
 * and digit runs, so punctuation and markup do not hide a copy.
 */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Share of the text's word n-grams (n = min(`n`, its length)) that appear in the source: 1 = every
 * phrase of it is in the source, 0 = none. A text with no words shares nothing.
 */
export function ngramShare(text: string, source: string, n = 4): number {
  const own = wordsOf(text);
  const k = Math.min(n, own.length);
  if (k === 0) return 0;
  const grams = (ws: string[]): string[] => ws.slice(0, ws.length - k + 1).map((_, i) => ws.slice(i, i + k).join(' '));
  const sourceGrams = new Set(grams(wordsOf(source)));
  const mine = grams(own);
  return mine.filter((g) => sourceGrams.has(g)).length / mine.length;
}
