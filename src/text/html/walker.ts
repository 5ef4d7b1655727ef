import type { ChildNode, Element, ParentNode } from 'domhandler';
import { type Boilerplate, isPermalink } from './boilerplate';
import { emitCodeBlock, preText } from './code';
import { type BodyKind, type HeadingLevel, Sink } from './inline';
import { addCounts, type LinkCounts, type Piece } from './linkDensity';
import { type BlockRenderer, quoteText, type SubtreeWalker } from './renderers';
import { isLayoutList, listText } from './lists';
import { isLayoutTable, tableText } from './tables';
import * as K from './tags';

/**
 * One pass over the htmlparser2 DOM, dispatching each element on its tag kind: the rendering rules.
 * What a walk of the main text adds (its core, page furniture, forms) is ./mainTextWalker.ts.
 */
export class Walker implements SubtreeWalker {
  protected sink = new Sink();
  /** The sink of the walk itself, not of a list or table being rendered. */
  protected readonly mainSink = this.sink;
  private linkDepth = 0;
  /** > 0 inside a heading or a table cell: block elements are soft spaces, not paragraph breaks. */
  private inlineOnly = 0;

  constructor(readonly boilerplate: Boilerplate) {}

  /** Walks `root`'s children (the main-text element, or the document); returns its blocks with their link counts, in reading order. */
  run(root: ParentNode): Piece[] {
    this.children(root);
    this.sink.flush('paragraph');
    return this.sink.pieces;
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
    for (let i = 0; i < kids.length; i++) this.node(kids[i]);
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
    this.visit(el, kind);
  }

  /** Renders a kept element; the main-text walk wraps this to mark its core and close furniture. */
  protected visit(el: Element, kind: number): void {
    this.element(el, kind);
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
      case K.SECTIONING:
      case K.LANDMARK: // reached only when it wraps the page's content (./boilerplate.ts)
      case K.HEADER: // a page-level one only when it wraps the page (./boilerplate.ts)
        this.block(el);
        return;
      case K.FORM:
        if (this.keepsForm(el)) this.block(el);
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
      default:
        // Unknown (custom) element: inline, but never glue its words to its neighbours'.
        this.spaced(el);
    }
  }

  /** A <form> is a block on the whole-page walk; the main-text walk drops those inside the text. */
  protected keepsForm(_el: Element): boolean {
    return true;
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
    this.headed(el);
  }

  /** After a heading piece was added; the main-text walk looks for furniture there. */
  protected headed(_el: Element): void {}

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
    if (this.inlineOnly > 0 || !this.sink.isEmpty() || !emitCodeBlock(el, this.sink)) this.children(el);
  }

  /** A list, table, code or quote block rendered whole (`render`: a plain function, no closure per node); inline in a heading or cell. */
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
