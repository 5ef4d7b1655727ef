import type { Piece } from './linkDensity';

/**
 * Around the core of the main text (./mainContent.ts) sit the article's lead and standfirst, but
 * also its date line, byline, share row, labels and disclaimers. What stays from there, in groups cut
 * at headings (a heading and what follows it up to the next heading or the core):
 * - a group under a heading that holds prose (a block with PERIPHERY_PROSE characters outside links)
 *   or code stays whole: a sibling section of a docs page keeps its short lines ("This will print");
 * - otherwise only its prose and code stay, and its heading only when the core follows it directly
 *   (the article's title over its body). Box titles over link lists, date lines, labels go.
 * Measured on the eval set's dev half (bench/extract.ts): PERIPHERY_PROSE 20 / 40 / 60 / 80 / 120 gave
 * F 0.916 / 0.919 / 0.921 / 0.919 / 0.916 (precision rising 0.897 to 0.917); keeping titled sections
 * whole keeps the docs corpus's sections (test/unit/docsCorpus.test.ts).
 */
const PERIPHERY_PROSE = 60;

const isProse = (p: Piece): boolean => p.block.kind === 'code' || (p.block.kind !== 'heading' && p.chars - p.linkChars >= PERIPHERY_PROSE);

export function keepProseInPeriphery(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < pieces.length) {
    if (pieces[i].periphery !== true) {
      out.push(pieces[i++]);
      continue;
    }
    // One group: a run of periphery pieces up to the next heading or core piece.
    let end = i + 1;
    while (end < pieces.length && pieces[end].periphery === true && pieces[end].block.kind !== 'heading') end++;
    const group = pieces.slice(i, end);
    const titled = group[0].block.kind === 'heading';
    if (titled && group.some(isProse)) out.push(...group);
    else {
      if (titled && end < pieces.length && pieces[end].periphery !== true) out.push(group[0]);
      out.push(...group.filter(isProse));
    }
    i = end;
  }
  return out;
}
