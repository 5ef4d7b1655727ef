import type { Block, StructuredText } from './blocks';

/**
 * Plain text (e.g. ClueWeb22 Clean-Text) -> StructuredText.
 *
 * Paragraphs: when the text has at least one blank line, paragraphs are split on blank lines and
 * keep their inner line breaks; when it has none (ClueWeb22 Clean-Text puts one text block per line),
 * every non-empty line is a paragraph. Lines are trimmed.
 *
 * Headings: plain text has no markup, so the only heading is the title, as a level-1 heading first:
 * - the `title` argument, when given and not blank; a first paragraph that merely repeats it (case
 *   and whitespace aside) is dropped, as is a first line repeating it;
 * - otherwise, unless `titleFromFirstLine` is false, the first paragraph when it looks like a title:
 *   a single line of 8-150 characters and 2-20 words, containing a letter, not starting with a list
 *   marker, not ending like a sentence or a clause (`.`, `,`, `;`, `:`; a `?` or `!` is fine), and
 *   followed by more text. One-word first lines ("Home", "Menu") are far more often navigation than
 *   titles on crawled pages, so they are not taken.
 */
export interface PlainToTextOptions {
  /** Infer the title from the first line when no title is given (default true). */
  titleFromFirstLine?: boolean;
}

function normalise(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

export function looksLikeTitle(line: string): boolean {
  const t = line.trim();
  if (t.length < 8 || t.length > 150 || t.includes('\n')) return false;
  const words = t.split(/\s+/).length;
  if (words < 2 || words > 20) return false;
  if (!/\p{L}/u.test(t)) return false;
  if (/^(?:[-*+•]|\d{1,3}[.)])\s/.test(t)) return false;
  return !/[.,;:]$/.test(t);
}

/** Converts plain text to a title and blocks in reading order (see the module comment for the rules). */
export function plainToStructuredText(
  text: string,
  title?: string | null,
  options: PlainToTextOptions = {},
): StructuredText {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let paragraphs: string[];
  if (/\n[ \t]*\n/.test(src)) {
    paragraphs = src
      .split(/\n(?:[ \t]*\n)+/)
      .map((p) =>
        p
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.length > 0)
          .join('\n'),
      )
      .filter((p) => p.length > 0);
  } else {
    paragraphs = src
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  }

  let heading: string | null = null;
  const given = title == null ? '' : title.replace(/\s+/g, ' ').trim();
  if (given.length > 0) {
    heading = given;
    const first = paragraphs[0];
    if (first !== undefined) {
      const key = normalise(given);
      if (normalise(first) === key) paragraphs.shift();
      else if (first.includes('\n') && normalise(first.slice(0, first.indexOf('\n'))) === key) {
        paragraphs[0] = first.slice(first.indexOf('\n') + 1);
      }
    }
  } else if ((options.titleFromFirstLine ?? true) && paragraphs.length > 1 && looksLikeTitle(paragraphs[0])) {
    heading = paragraphs.shift()!.replace(/\s+/g, ' ');
  }

  const blocks: Block[] = [];
  if (heading !== null) blocks.push({ kind: 'heading', level: 1, text: heading });
  for (const p of paragraphs) blocks.push({ kind: 'paragraph', text: p });
  return { title: heading, blocks };
}
