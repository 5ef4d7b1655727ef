import type { ChildNode, ParentNode } from 'domhandler';
import type { Block } from '../blocks';
import type { LinkCounts, Piece } from './linkDensity';
import { nodeText } from './nodeText';

/**
 * Inline text assembly. Text nodes join the running paragraph as a browser lays them out: source
 * whitespace collapses to one space, and no space is invented between adjacent inline elements
 * (`<b>a</b><i>b</i>` is "ab"). Unknown elements ask for a "soft" space, which is dropped before
 * closing punctuation.
 */

const WS = /\s+/g;
/** Text after an image up to this long is taken for its caption. */
const CAPTION_CHARS = 100;
/** A caption is a label, not a sentence: text ending like a sentence after an image is a lead paragraph. */
const SENTENCE_END = /[.!?…:;"“”»«]$/;
/** Closing punctuation before which a soft (invented) space is not emitted. */
const CLOSING_PUNCT = /^[,.;:!?%)\]}]/;

/** The space pending before the next word. */
const NO_SPACE = 0;
const SOFT_SPACE = 1;
const SOURCE_SPACE = 2;

export type BodyKind = Exclude<Block['kind'], 'heading'>;
export type HeadingLevel = Extract<Block, { kind: 'heading' }>['level'];

/** Where text goes: the running paragraph (parts) and the finished blocks (pieces). */
export class Sink {
  readonly pieces: Piece[] = [];
  /** Set by the walker while it is outside the core of the main text; stamped on the pieces made meanwhile. */
  periphery = false;
  private parts: string[] = [];
  private space = NO_SPACE;
  private chars = 0;
  private linkChars = 0;
  private hasBreak = false;

  /** An image opened the running paragraph: short text after it is the image's caption. */
  private imageFirst = false;

  /** An image: when the running paragraph has no text yet, what follows may be its caption. */
  image(): void {
    if (this.parts.length === 0) this.imageFirst = true;
  }

  /** True when the running paragraph has no text yet. */
  isEmpty(): boolean {
    return this.parts.length === 0;
  }

  /** Appends a text node, whitespace collapsed; `inLink` counts it towards link density. */
  text(data: string, inLink: boolean): void {
    let s = data.replace(WS, ' ');
    if (s === ' ' || s.length === 0) {
      if (s.length > 0 && this.parts.length > 0) this.space = SOURCE_SPACE;
      return;
    }
    if (s.charCodeAt(0) === 32) {
      this.space = SOURCE_SPACE;
      s = s.slice(1);
    }
    let trailing = false;
    if (s.charCodeAt(s.length - 1) === 32) {
      trailing = true;
      s = s.slice(0, -1);
    }
    const parts = this.parts;
    if (parts.length > 0 && this.space !== NO_SPACE && parts[parts.length - 1] !== '\n') {
      if (this.space === SOURCE_SPACE || !CLOSING_PUNCT.test(s)) parts.push(' ');
    }
    parts.push(s);
    this.chars += s.length;
    if (inLink) this.linkChars += s.length;
    this.space = trailing ? SOURCE_SPACE : NO_SPACE;
  }

  /** Keeps the words on either side apart without gluing a space before closing punctuation. */
  soft(): void {
    if (this.space === NO_SPACE) this.space = SOFT_SPACE;
  }

  /** A space as real as one in the source (a <br> where lines cannot break). */
  sourceSpace(): void {
    this.space = SOURCE_SPACE;
  }

  /** A <br>: a newline inside the paragraph; leading ones are dropped. */
  lineBreak(): void {
    if (this.parts.length > 0) {
      this.parts.push('\n');
      this.hasBreak = true;
    }
    this.space = NO_SPACE;
  }

  /** Ends the running paragraph (if any) as a block of the given kind; a heading is kept even when empty. */
  flush(kind: 'paragraph' | 'heading', level: HeadingLevel = 1): void {
    if (this.parts.length === 0) {
      if (kind === 'heading') this.pieces.push({ block: { kind, level, text: '' }, chars: 0, linkChars: 0, periphery: this.periphery });
      return;
    }
    let text = this.parts.join('');
    if (this.hasBreak) text = tidyLines(text);
    text = text.trim();
    if (kind === 'heading') {
      this.pieces.push({ block: { kind, level, text }, chars: this.chars, linkChars: this.linkChars, periphery: this.periphery });
    } else if (text.length > 0) {
      const caption = this.imageFirst && text.length <= CAPTION_CHARS && !SENTENCE_END.test(text);
      this.pieces.push({ block: { kind, text }, chars: this.chars, linkChars: this.linkChars, periphery: this.periphery, caption });
    }
    this.imageFirst = false;
    this.parts = [];
    this.space = NO_SPACE;
    this.chars = 0;
    this.linkChars = 0;
    this.hasBreak = false;
  }

  /** Adds a finished body block (list, table, code, quote) unless it is empty. */
  emit(kind: BodyKind, text: string, counts: LinkCounts): void {
    if (text.length === 0) return;
    this.pieces.push({ block: { kind, text }, chars: counts.chars, linkChars: counts.linkChars, periphery: this.periphery });
  }
}

/** Text with <br> newlines: each line trimmed, runs of empty lines reduced to one. */
function tidyLines(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.length === 0 && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(t);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

/** The first <title>'s text (outside <svg>), whitespace collapsed and trimmed; null without one. */
export function documentTitle(doc: ParentNode): string | null {
  const stack: ChildNode[] = [...doc.children].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type !== 'tag' || n.name === 'svg') continue;
    if (n.name === 'title') return nodeText(n).replace(WS, ' ').trim();
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return null;
}
