import type { Block, StructuredText } from './blocks';

/** One candidate segment, before any filter: the text under one heading, sub-headings included. */
export interface CandidateSegment {
  /** 0-based position among the document's candidates, in document order (stable across filter changes). */
  index: number;
  /** The heading the text sits under ('' when the heading is empty or the document has no title). */
  heading: string;
  /** Headings from the document root down to this one (the title only for text before the first heading). */
  headingPath: string[];
  /** Heading line first, then the body blocks and sub-headings, one blank line between blocks. */
  text: string;
  /**
   * `text` without its code blocks, for rules about natural language (repeated sentences): code
   * repeats lines legitimately (a traceback header, the same call in two examples).
   */
  prose: string;
}

const BLOCK_SEPARATOR = '\n\n';

/**
 * Cuts a document into candidate segments (docs/method.md "Unlabelled data"): every heading at every
 * level opens a candidate that runs to the next heading of the same or a higher level, so a parent
 * section and each of its sub-sections are all candidates. Which of them is self-contained is left
 * to the length window and the other filters: a short sub-section is too small on its own while its
 * parent fits, a long parent is too big while its children fit.
 * Text before the first heading becomes a candidate under the document title, when there is body text.
 */
export function cutSegments(doc: StructuredText): CandidateSegment[] {
  const blocks = doc.blocks.map(cleanBlock).filter((b) => b.kind === 'heading' || b.text !== '');
  const out: CandidateSegment[] = [];
  const firstHeading = blocks.findIndex((b) => b.kind === 'heading');
  const leadEnd = firstHeading === -1 ? blocks.length : firstHeading;
  if (leadEnd > 0) {
    const title = cleanLine(doc.title ?? '');
    const lead: Block[] = title === '' ? [] : [{ kind: 'heading', level: 1, text: title }];
    out.push({ index: 0, heading: title, headingPath: title === '' ? [] : [title], ...joinBlocks([...lead, ...blocks.slice(0, leadEnd)]) });
  }
  // Ancestors by level: path[level - 1] is the innermost open heading of that level.
  const open: Array<string | undefined> = [];
  for (let i = leadEnd; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.kind !== 'heading') continue;
    open.length = block.level - 1; // a heading closes every open heading at its level or deeper
    open[block.level - 1] = block.text;
    const end = sectionEnd(blocks, i, block.level);
    out.push({
      index: out.length,
      heading: block.text,
      headingPath: open.filter((h): h is string => h !== undefined),
      ...joinBlocks(blocks.slice(i, end)),
    });
  }
  return out;
}

function joinBlocks(blocks: Block[]): { text: string; prose: string } {
  const texts = (list: Block[]) => list.map((b) => b.text).filter((t) => t !== '').join(BLOCK_SEPARATOR);
  return { text: texts(blocks), prose: texts(blocks.filter((b) => b.kind !== 'code')) };
}

/** Index of the first block after heading `start` that closes its section (a heading of level <= `level`). */
function sectionEnd(blocks: Block[], start: number, level: number): number {
  for (let j = start + 1; j < blocks.length; j++) {
    const b = blocks[j];
    if (b.kind === 'heading' && b.level <= level) return j;
  }
  return blocks.length;
}

/** Headings become one clean line; body blocks keep their inner layout (code, tables) minus outer blank lines. */
function cleanBlock(block: Block): Block {
  if (block.kind === 'heading') return { ...block, text: cleanLine(block.text) };
  // trimEnd, not /\s+$/: that regex is quadratic on a long whitespace run followed by text.
  return { ...block, text: block.text.replace(/^\s*\n/, '').trimEnd() };
}

function cleanLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}
