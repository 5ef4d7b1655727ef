import { familyPhrases, type FamilyPhrases, inFamilies, NAVIGATION_FAMILY_NAMES, type NavigationFamily } from './navigationFamilies';
import { fnv1a32 } from './normalize';

/**
 * The segment quality rules of docs/method.md ("Unlabelled data"), each a pure function that returns a
 * drop reason or null. Defaults are the paper's where it gives a value; the others are ours and are
 * stated next to each default. src/stages/segment.ts applies them in a fixed order (cheap
 * heading rules first, language ID last) and counts the first reason that fires.
 */
export type DropReason =
  | 'too-short'
  | 'too-long'
  | 'empty-heading'
  | 'all-caps-heading'
  | 'navigation-heading'
  | 'odd-capitalisation'
  | 'repeated-sentences'
  | 'wrong-language'
  | 'duplicate-in-document'
  | 'near-duplicate';

/** Paper: 600 to 3,000 characters, counted here in Unicode code points. */
export function lengthRule(charCount: number, minChars = 600, maxChars = 3000): DropReason | null {
  if (charCount < minChars) return 'too-short';
  if (charCount > maxChars) return 'too-long';
  return null;
}

export function emptyHeadingRule(heading: string): DropReason | null {
  return /[\p{L}\p{N}]/u.test(heading) ? null : 'empty-heading';
}

function countCase(text: string): { upper: number; lower: number } {
  return { upper: text.match(/\p{Lu}/gu)?.length ?? 0, lower: text.match(/\p{Ll}/gu)?.length ?? 0 };
}

/** All cased letters upper case ("SUBSCRIBE NOW"); `minLetters` (ours: 2) spares one-letter headings like "A". */
export function allCapsHeadingRule(heading: string, minLetters = 2): DropReason | null {
  const { upper, lower } = countCase(heading);
  return upper >= minLetters && lower === 0 ? 'all-caps-heading' : null;
}

/**
 * The paper's four navigation headings plus site navigation (ours), matched on the whole heading. The
 * families of ./navigationFamilies.ts (related, comments, share, newsletter...) come on top.
 */
export const DEFAULT_NAVIGATION_HEADINGS: readonly string[] = [
  'advertisement', 'advertisements', 'forum', 'forums', 'quick link', 'quick links', 'free newsletter',
  'navigation', 'menu', 'main menu', 'contents', 'table of contents',
];

/** Headings compare lower-cased, without punctuation or digits: "Comments (12)" is "comments". */
export function headingKey(heading: string): string {
  return heading.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}\p{N}]+/gu, ' ').replace(/\s+/gu, ' ').trim();
}

/** Navigation headings: whole headings (the configured list) and the families of ./navigationFamilies.ts. */
export interface NavigationHeadings {
  headings: ReadonlySet<string>;
  families: FamilyPhrases;
}

/** The matcher for a heading list and families (default: every family). */
export function navigationSet(headings: readonly string[], families: readonly NavigationFamily[] = NAVIGATION_FAMILY_NAMES): NavigationHeadings {
  return { headings: new Set(headings.map(headingKey)), families: familyPhrases(families) };
}

export function isNavigationHeading(heading: string, navigation: NavigationHeadings): boolean {
  const key = headingKey(heading);
  return navigation.headings.has(key) || inFamilies(key, navigation.families);
}

export function navigationHeadingRule(heading: string, navigation: NavigationHeadings): DropReason | null {
  return isNavigationHeading(heading, navigation) ? 'navigation-heading' : null;
}

/**
 * Share of upper-case letters among cased ones outside [min, max]. The paper gives no bounds; ours:
 * at most 0.6 ("ThIs HeAdInG" is 0.5 and passes only because it is short; "FREE eBOOK NOW" fails), no
 * lower bound (all lower case is common and harmless), and only for headings of >= 4 cased letters.
 */
export interface CapitalBounds {
  min: number;
  max: number;
  minLetters: number;
}
export const DEFAULT_CAPITAL_BOUNDS: CapitalBounds = { min: 0, max: 0.6, minLetters: 4 };

export function capitalisationRule(heading: string, bounds: CapitalBounds = DEFAULT_CAPITAL_BOUNDS): DropReason | null {
  const { upper, lower } = countCase(heading);
  const cased = upper + lower;
  if (cased < bounds.minLetters) return null;
  const share = upper / cased;
  return share < bounds.min || share > bounds.max ? 'odd-capitalisation' : null;
}

export interface RepeatOptions {
  /** Word n-gram size (ours: 3); sentences shorter than this are not compared. */
  ngram: number;
  /** Jaccard similarity at or above which two sentences count as repeats (ours: 0.8). */
  threshold: number;
  /** Repeated pairs tolerated (ours: 0, any repeat drops the segment). */
  maxPairs: number;
  /** Only this many sentences are compared, keeping the pairwise pass bounded (ours: 200). */
  maxSentences: number;
}
export const DEFAULT_REPEAT: RepeatOptions = { ngram: 3, threshold: 0.8, maxPairs: 0, maxSentences: 200 };

/** Sentences end at . ! ? followed by space, or at a line break. */
export function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/u).map((s) => s.trim()).filter((s) => s !== '');
}

/** Hashed word n-grams of one sentence; empty when it has fewer than n words. */
function ngramSet(sentence: string, n: number): Set<number> {
  const words = (sentence.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => fnv1a32(w));
  const grams = new Set<number>();
  for (let i = 0; i + n <= words.length; i++) {
    // Combining word hashes (order-sensitive) is much cheaper than hashing joined strings.
    let h = 0x811c9dc5;
    for (let j = i; j < i + n; j++) h = Math.imul(h ^ words[j], 0x01000193) ^ (h >>> 15);
    grams.add(h >>> 0);
  }
  return grams;
}

export function jaccard(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const x of small) if (large.has(x)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** Number of sentence pairs whose n-gram Jaccard reaches the threshold (pairwise within one segment). */
export function repeatedSentencePairs(text: string, opts: RepeatOptions = DEFAULT_REPEAT): number {
  const sets = splitSentences(text)
    .slice(0, opts.maxSentences)
    .map((s) => ngramSet(s, opts.ngram))
    .filter((s) => s.size > 0);
  let pairs = 0;
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      const a = sets[i].size;
      const b = sets[j].size;
      // Jaccard <= min/max of the sizes: skip pairs that cannot reach the threshold.
      if (Math.min(a, b) < opts.threshold * Math.max(a, b)) continue;
      if (jaccard(sets[i], sets[j]) >= opts.threshold) pairs++;
    }
  }
  return pairs;
}

export function repeatedSentencesRule(text: string, opts: RepeatOptions = DEFAULT_REPEAT): DropReason | null {
  return repeatedSentencePairs(text, opts) > opts.maxPairs ? 'repeated-sentences' : null;
}

/** `allowed` holds ISO 639-3 codes; empty means every language (and no language ID at all). */
export function languageRule(language: string | null, allowed: ReadonlySet<string>): DropReason | null {
  if (allowed.size === 0) return null;
  return language !== null && allowed.has(language) ? null : 'wrong-language';
}

/** Exact duplicate (same segment id) of an earlier candidate of the same document. */
export function duplicateInDocumentRule(id: string, seenInDocument: ReadonlySet<string>): DropReason | null {
  return seenInDocument.has(id) ? 'duplicate-in-document' : null;
}
