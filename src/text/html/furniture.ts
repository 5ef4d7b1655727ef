import type { ChildNode, Element, ParentNode } from 'domhandler';
import { isNavigationHeading, type NavigationHeadings } from '../filters';
import type { Piece } from './linkDensity';

/**
 * Page furniture inside the main-text element, recognised by the heading that opens it: "Related
 * Stories", "Mehr zum Thema", "Kommentare" (the families of ../navigationFamilies.ts).
 * - A navigation heading opens a section that goes, heading and all, up to the next heading of the
 *   same or a higher level or the end of the heading's container (its parent, or higher while the
 *   parent holds nothing but the heading), whichever comes first: a table of contents ends with its
 *   box, not at the article's next heading.
 * - A short paragraph that is only such a phrase (`<p><b>Share this:</b></p>`) goes alone.
 * - Teasers: a heading that is one link to another page (a link in it, or one around it), once the
 *   article's own prose has come, opens a run of teasers up to the next heading that is not one.
 */

/** A paragraph longer than this is prose, not a label. */
const LABEL_CHARS = 60;

/** The open furniture section of a walk: where its pieces start, its heading level, the element that bounds it. */
export class FurnitureSections {
  private open: { start: number; level: number; until: ParentNode } | null = null;

  constructor(private readonly navigation: NavigationHeadings) {}

  /**
   * After a heading piece was added: marks a teaser title; closes the open section when the heading
   * ends it; opens one when it is a navigation heading.
   */
  heading(el: Element, pieces: Piece[]): void {
    const last = pieces[pieces.length - 1];
    if (last?.block.kind !== 'heading') return;
    if (last.chars > 0 && last.linkChars === last.chars && linksElsewhere(el)) last.teaser = true;
    const level = last.block.level;
    if (this.open !== null && level <= this.open.level) this.close(pieces, pieces.length - 1);
    if (this.open === null && isNavigationHeading(last.block.text, this.navigation)) {
      this.open = { start: pieces.length - 1, level, until: container(el) };
    }
  }

  /** True when the open section ends with `el` (the walk just left it). */
  boundedBy(el: ParentNode): boolean {
    return this.open !== null && this.open.until === el;
  }

  /** Drops the open section (if any) up to `end`, default the last piece. */
  close(pieces: Piece[], end = pieces.length): void {
    if (this.open === null) return;
    pieces.splice(this.open.start, end - this.open.start);
    this.open = null;
  }

  /** Label paragraphs and teaser runs: the furniture that needs no container to be seen. */
  dropLabelsAndTeasers(pieces: readonly Piece[]): Piece[] {
    const out: Piece[] = [];
    let prose = false;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      const b = p.block;
      if (b.kind === 'heading' && prose && p.teaser === true && teaserFollows(pieces, i)) {
        // The run ends at a heading that is no teaser, or where the core of the main text begins or ends.
        const zone = p.periphery === true;
        while (i + 1 < pieces.length) {
          const next = pieces[i + 1];
          if ((next.block.kind === 'heading' && next.teaser !== true) || (next.periphery === true) !== zone) break;
          i++;
        }
        continue;
      }
      if (b.kind === 'paragraph' && b.text.length <= LABEL_CHARS && isNavigationHeading(b.text, this.navigation)) continue;
      if (b.kind !== 'heading' && b.text.length > LABEL_CHARS) prose = true;
      out.push(p);
    }
    return out;
  }
}

/**
 * True when the heading links to another page (not a `#fragment` of this one): through a link inside
 * it, or through one around it (card layouts wrap the whole teaser, heading included, in one <a>).
 */
function linksElsewhere(el: Element): boolean {
  for (let p = el.parent; p !== null && p.type === 'tag'; p = p.parent) if (p.name === 'a') return isElsewhere(p);
  const stack: ChildNode[] = [...el.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type !== 'tag') continue;
    if (n.name === 'a' && isElsewhere(n)) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

function isElsewhere(a: Element): boolean {
  const href = a.attribs.href;
  // rel=bookmark is the permalink of the post itself (WordPress titles), not a link elsewhere.
  return href !== undefined && href.length > 0 && !href.startsWith('#') && a.attribs.rel !== 'bookmark';
}

/** True when another teaser heading comes after `i` before any other heading: a run, not one linked title. */
function teaserFollows(pieces: readonly Piece[], i: number): boolean {
  for (let j = i + 1; j < pieces.length; j++) {
    const p = pieces[j];
    if (p.block.kind === 'heading') return p.teaser === true;
  }
  return false;
}

/** The heading's parent, or higher while the parent holds nothing but the heading. */
function container(el: Element): ParentNode {
  let node: ParentNode = el;
  let parent = el.parent;
  while (parent !== null && onlyChild(parent, node)) {
    node = parent;
    parent = parent.parent;
  }
  return parent ?? node;
}

function onlyChild(parent: ParentNode, child: ParentNode): boolean {
  for (const c of parent.children) {
    if (c === child) continue;
    if (c.type === 'tag') return false;
    if (c.type === 'text' && c.data.trim().length > 0) return false;
  }
  return true;
}
