import { detect, toISO2, toISO3 } from 'tinyld';

/**
 * Language identification for the segment filters, on tinyld (pure JS, CommonJS). Codes: config
 * accepts ISO 639-1 or 639-3; results are ISO 639-3, the Segment schema's `language`.
 */

/** Language codes accepted in config: ISO 639-1 ("en") or 639-3 ("eng"), as tinyld knows them. */
export function toLanguageCode(code: string): string | null {
  const lower = code.toLowerCase();
  if (lower.length === 2) return toISO3(lower) || null;
  if (lower.length === 3) return toISO2(lower) !== lower ? lower : null;
  return null;
}

/**
 * A token without leading and trailing punctuation/symbols. Not /[\p{P}\p{S}]+$/: unanchored, it
 * is quadratic on a long run of punctuation followed by a letter; this one starts only at a letter.
 */
function stripPunctuation(token: string): string {
  const head = token.replace(/^[\p{P}\p{S}]+/u, '');
  const last = /(?<keep>[^\p{P}\p{S}])[\p{P}\p{S}]*$/u.exec(head);
  return last ? head.slice(0, last.index + last.groups!.keep.length) : '';
}

/**
 * The natural-language words of a text: whitespace tokens stripped of surrounding punctuation, kept
 * when they are letters only and not camelCase (`os.path`, `file_name`, `getAttr`, `0x1f` go): code
 * and identifiers are noise to a language guesser.
 */
export function naturalWords(text: string, limit = Infinity): string[] {
  const words: string[] = [];
  const tokens = /\S+/gu;
  // Scans only as far as needed: language ID looks at the first few dozen words.
  for (let m = tokens.exec(text); m !== null && words.length < limit; m = tokens.exec(text)) {
    const word = stripPunctuation(m[0]);
    if (/^\p{L}[\p{Ll}\p{Lo}\p{Lm}\p{M}'’-]*$/u.test(word)) words.push(word);
  }
  return words;
}

const FAST_WORDS = 50;
const CHUNK_WORDS = 8;
const MAX_CHUNKS = 9;

/**
 * Language of a text as ISO 639-3 (the Segment schema's `language`), or null when it has no
 * natural-language words. tinyld alone is unreliable on long technical text: one "unique" 4-gram
 * (`avea` in "caveats") makes it answer Romanian with full confidence, and it misjudged ~4% of the
 * Python documentation's English segments. So: one guess on the first words; when that guess is
 * not a `preferred` language, a majority vote over short chunks (9 x 8 words) decides, where a
 * stray unique gram sways one chunk only. The vote costs ~1 ms, the fast path ~0.3 ms.
 */
export function detectLanguage(text: string, preferred: ReadonlySet<string> = new Set()): string | null {
  const words = naturalWords(text, Math.max(FAST_WORDS, CHUNK_WORDS * MAX_CHUNKS));
  if (words.length === 0) return null;
  const first = toISO3(detect(words.slice(0, FAST_WORDS).join(' ')));
  if (first !== '' && preferred.has(first)) return first;
  const votes = new Map<string, number>();
  for (let i = 0, n = 0; i < words.length && n < MAX_CHUNKS; i += CHUNK_WORDS, n++) {
    const lang = toISO3(detect(words.slice(i, i + CHUNK_WORDS).join(' ')));
    if (lang !== '') votes.set(lang, (votes.get(lang) ?? 0) + 1);
  }
  let best: string | null = first === '' ? null : first;
  let bestVotes = 0;
  for (const [lang, count] of votes) if (count > bestVotes) [best, bestVotes] = [lang, count];
  return best;
}
