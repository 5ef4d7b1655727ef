import type { ChildNode, Element, ParentNode } from 'domhandler';
import { type Boilerplate, isPermalink } from './boilerplate';
import { multiLineCodeText, preText } from './code';
import { type BodyKind, type HeadingLevel, Sink } from './inline';
import type { NavigationHeadings } from '../filters';
import { FurnitureSections } from './furniture';
import { addCounts, type LinkCounts, type Piece } from './linkDensity';
import { isLayoutList, listText } from './lists';
import { isLayoutTable, tableText } from './tables';
import * as K from './tags';

/** Renders an element as one body block's text, adding its link counts to `counts`. */
export type BlockRenderer = (el: Element, counts: LinkCounts, walk: SubtreeWalker) => string;

/** What the block renderers (lists, tables, quotes) need from the walker. */
export interface SubtreeWalker {
  /** Walks nodes into a fresh sink (`inline`: as in a table cell); returns its blocks' texts joined, counts added. */
  collect(kids: readonly ChildNode[], inline: boolean, separator: string, counts: LinkCounts): string;
  /** Which elements are hidden or page chrome, dropped with their content. */
  readonly boilerplate: Boilerplate;
}

/** One pass over the htmlparser2 DOM, dispatching each element on its tag kind. */
export class Walker implements SubtreeWalker {
  private sink = new Sink();
  private linkDepth = 0;
  /** > 0 inside a heading or a table cell: block elements are soft spaces, not paragraph breaks. */
  private inlineOnly = 0;
  private sectionDepth = 0;

  /** `dropForms`: a <form> met on the walk is inside the main text (a comment form), not a page wrapper. */
  private readonly furniture: FurnitureSections;
  private core: ParentNode | null = null;
  private readonly mainSink: Sink;

  constructor(
    readonly boilerplate: Boilerplate,
    navigation: NavigationHeadings,
    private readonly dropForms: boolean,
  ) {
    this.furniture = new FurnitureSections(navigation);
    this.mainSink = this.sink;
  }

  /**
   * Walks `root`'s children (the main-text element, or the document); returns its blocks with their
   * link counts, in reading order. Pieces made outside `core` (when given) are marked `periphery`.
   */
  run(root: ParentNode, core: ParentNode | null = null): readonly Piece[] {
    this.core = core;
    this.sink.periphery = core !== null && core !== root;
    // Below an <article>, <section> or <main>, a <header> is the section's own, not the page banner.
    for (let p: ParentNode | null = root; p !== null; p = p.parent) {
      if (p.type === 'tag' && K.tagKind(p.name) === K.SECTIONING) this.sectionDepth++;
    }
    this.children(root);
    this.sink.flush('paragraph');
    this.furniture.close(this.sink.pieces);
    return this.furniture.dropLabelsAndTeasers(this.sink.pieces);
  }

  collect(kids: readonly ChildNode[], inline: boolean, separator: string, counts: LinkCounts): string {
    const outer = this.sink;
    const inner = new Sink();
    this.sink = inner;
    if (inline) this.inlineOnly++;
    this.nodes(kids);
    if (inline) this.inlineOnly--;
    inner.flush('paragraph');
    this.sink = outer;
    addCounts(counts, inner.pieces);
    return inner.pieces.map((p) => p.block.text).join(separator);
  }

  private children(el: ParentNode): void {
    this.nodes(el.children);
  }

  private nodes(kids: readonly ChildNode[]): void {
    for (let i = 0; i < kids.length; i++) this.node(kids[i]!);
  }

  private node(node: ChildNode): void {
    if (node.type === 'text') {
      this.sink.text(node.data, this.linkDepth > 0);
      return;
    }
    if (node.type === 'cdata') {
      this.children(node);
      return;
    }
    if (node.type !== 'tag') return; // script, style, comment, directive
    const el = node;
    const kind = K.tagKind(el.name);
    if (kind === K.SKIP) return;
    if (kind === K.VOID) {
      if (el.name === 'img') this.sink.image();
      return;
    }
    if (this.boilerplate.drops(el, kind)) return;
    if (el === this.core) {
      this.sink.flush('paragraph');
      this.sink.periphery = false;
      this.element(el, kind);
      this.sink.flush('paragraph');
      this.sink.periphery = true;
    } else {
      this.element(el, kind);
    }
    if (this.sink === this.mainSink && this.furniture.boundedBy(el)) {
      this.sink.flush('paragraph');
      this.furniture.close(this.sink.pieces);
    }
  }

  private element(el: Element, kind: number): void {
    switch (kind) {
      case K.INLINE:
        this.children(el);
        return;
      case K.ANCHOR:
        this.anchor(el);
        return;
      case K.BLOCK:
        this.block(el);
        return;
      case K.SECTIONING:
        this.sectionDepth++;
        this.block(el);
        this.sectionDepth--;
        return;
      case K.FORM:
        // Forums wrap the whole thread in a moderation form: a form holding the core is content.
        if (!this.dropForms || this.holdsCore(el)) this.block(el);
        return;
      case K.HEADER:
        // Only a <header> scoped to a section is content; a page-level one is the banner.
        if (this.sectionDepth > 0 || this.boilerplate.isSpared(el)) this.block(el);
        return;
      case K.HEADING:
        this.heading(el);
        return;
      case K.LIST_UL:
      case K.LIST_OL:
        if (this.inlineOnly === 0 && isLayoutList(el)) this.block(el);
        else this.bodyBlock(el, 'list', listText);
        return;
      case K.PRE:
        this.bodyBlock(el, 'code', preText);
        return;
      case K.CODE:
        this.code(el);
        return;
      case K.TABLE:
        if (this.inlineOnly === 0 && isLayoutTable(el)) this.block(el);
        else this.bodyBlock(el, 'table', tableText);
        return;
      case K.QUOTE:
        this.bodyBlock(el, 'quote', quoteText);
        return;
      case K.BR:
        if (this.inlineOnly > 0) this.sink.sourceSpace();
        else this.sink.lineBreak();
        return;
      case K.TITLE:
        return;
      default:
        // Unknown (custom) element: inline, but never glue its words to its neighbours'.
        this.spaced(el);
    }
  }

  private holdsCore(el: Element): boolean {
    for (let p: ParentNode | null = this.core; p !== null; p = p.parent) if (p === el) return true;
    return false;
  }

  /** Inline content kept apart from its neighbours by soft spaces. */
  private spaced(el: Element): void {
    this.sink.soft();
    this.children(el);
    this.sink.soft();
  }

  private block(el: Element): void {
    if (this.inlineOnly > 0) {
      this.spaced(el);
      return;
    }
    this.sink.flush('paragraph');
    this.children(el);
    this.sink.flush('paragraph');
  }

  private heading(el: Element): void {
    if (this.inlineOnly > 0) {
      this.spaced(el);
      return;
    }
    this.sink.flush('paragraph');
    this.inlineOnly++;
    this.children(el);
    this.inlineOnly--;
    this.sink.flush('heading', (el.name.charCodeAt(1) - 48) as HeadingLevel);
    const piece = this.sink.pieces[this.sink.pieces.length - 1]!;
    if (piece.chars > 0 && piece.linkChars === piece.chars && linksElsewhere(el)) piece.teaser = true;
    if (this.sink === this.mainSink) this.furniture.heading(el, this.sink.pieces);
  }

  private anchor(el: Element): void {
    if (isPermalink(el)) return;
    // Only a link with a target counts towards link density; `<a name>` is an anchor point.
    if (el.attribs.href === undefined) {
      this.children(el);
      return;
    }
    this.linkDepth++;
    this.children(el);
    this.linkDepth--;
  }

  /** Inline code, unless it stands alone (not mid-paragraph) and spans lines: then a code block. */
  private code(el: Element): void {
    if (this.inlineOnly === 0 && this.sink.isEmpty()) {
      const counts = { chars: 0, linkChars: 0 };
      const text = multiLineCodeText(el, counts);
      if (text !== null) {
        this.sink.emit('code', text, counts);
        return;
      }
    }
    this.children(el);
  }

  /**
   * A list, table, code or quote block rendered whole; inline text inside a heading or a table cell.
   * `render` is a plain function, as a closure in `node()` would cost a context allocation per node.
   */
  private bodyBlock(el: Element, kind: BodyKind, render: BlockRenderer): void {
    if (this.inlineOnly > 0) {
      this.spaced(el);
      return;
    }
    this.sink.flush('paragraph');
    const counts = { chars: 0, linkChars: 0 };
    this.sink.emit(kind, render(el, counts, this), counts);
  }
}

/** True when the element holds a link to another page (not a `#fragment` of this one). */
function linksElsewhere(el: Element): boolean {
  const stack: ChildNode[] = [...el.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type !== 'tag') continue;
    const href = n.name === 'a' ? n.attribs.href : undefined;
    // rel=bookmark is the permalink of the post itself (WordPress titles), not a link elsewhere.
    if (href !== undefined && href.length > 0 && !href.startsWith('#') && n.attribs.rel !== 'bookmark') return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

/** A blockquote's paragraphs, a blank line apart. */
function quoteText(el: Element, counts: LinkCounts, walk: SubtreeWalker): string {
  return walk.collect(el.children, false, '\n\n', counts);
}
