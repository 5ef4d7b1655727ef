import type { Block } from '../blocks';

/**
 * Link density: the share of a block's characters inside <a href>. Navigation that escaped the
 * boilerplate rules (link lists, tag clouds, "see also" rows) is mostly links; prose is not.
 */

export const DEFAULT_MAX_LINK_DENSITY = 0.5;

export interface LinkCounts {
  chars: number;
  linkChars: number;
}

/** A finished block with the counts its link density is judged by. */
export interface Piece extends LinkCounts {
  block: Block;
  /** A heading that is one link to another page: a teaser's title (./furniture.ts). */
  teaser?: boolean;
  /** Made outside the core of the main text (./mainContent.ts): kept only when it is prose. */
  periphery?: boolean;
  /** Short text in the paragraph an image opens: the image's caption or credit. */
  caption?: boolean;
}

/** Adds the pieces' counts into `into`, so a list, table or quote is judged as a whole. */
export function addCounts(into: LinkCounts, pieces: readonly Piece[]): void {
  for (const p of pieces) {
    into.chars += p.chars;
    into.linkChars += p.linkChars;
  }
}

/** The blocks that are not link-dense. Headings and code always stay: docs sites link every heading to itself. */
export function dropLinkDense(pieces: readonly Piece[], maxLinkDensity: number): Block[] {
  const blocks: Block[] = [];
  for (const p of pieces) {
    const k = p.block.kind;
    if (k !== 'heading' && k !== 'code' && p.chars > 0 && p.linkChars / p.chars > maxLinkDensity) continue;
    blocks.push(p.block);
  }
  return blocks;
}
