import { parseDocument } from 'htmlparser2';
import type { ChildNode, Element, ParentNode } from 'domhandler';
import type { Block, StructuredText } from './blocks';

/**
 * HTML -> StructuredText in one pass over the htmlparser2 DOM.
 *
 * Rules (each has a unit test in test/unit/htmlToText.test.ts):
 * - h1-h6 become heading blocks (whitespace collapsed, trimmed; inner markup flattened). Headings are
 *   exempt from the link-density rule (documentation sites link every heading to itself).
 * - Block-level elements (p, div, section, article, li, dd, dt, td...) end the running paragraph, so
 *   text in div-soup still comes out as separate paragraphs. Inline elements join their text exactly
 *   as a browser would (no space is invented between `<b>a</b><i>b</i>`); unknown elements (custom
 *   elements) are separated by a "soft" space that is not emitted before closing punctuation.
 * - Lists become one `list` block: `- ` items for <ul>, `1. `, `2. `... for <ol> (honouring `start`,
 *   `reversed` and `<li value>`); nested lists and an item's further paragraphs are indented under it.
 * - <pre> (and a multi-line <code> standing alone) becomes a `code` block with whitespace preserved.
 * - A simple table becomes a `table` block, one line per row, cells joined by ` | ` (caption first).
 *   A layout table (one holding a nested table or a heading) is treated like nested divs instead.
 * - <blockquote> becomes one `quote` block; <br> is a newline.
 * - Dropped with their content: script, style, noscript, template, svg, math, nav, aside, footer,
 *   form and form controls, dialog, search, iframe/object/embed/canvas/media, a page-level <header> (one scoped to an
 *   <article>, <section> or <main> is kept, as HTML maps only the former to the banner landmark),
 *   elements with `hidden`, `aria-hidden="true"`, inline `display:none`/`visibility:hidden`, ARIA
 *   landmark roles of page chrome (navigation, banner, contentinfo, complementary, search, menu...),
 *   elements whose class or id is a boilerplate token (`boilerplateTokens`), and permalink anchors
 *   (`<a class="headerlink">¶</a>`).
 * - Link-dense blocks (characters inside <a href> / all characters > `maxLinkDensity`, default 0.5)
 *   are dropped: paragraphs, lists (judged as a whole), tables and quotes. Headings and code are not.
 * - The document title is the first <title> (collapsed), or null.
 */

export interface HtmlToTextOptions {
  /** Drop a paragraph/list/table/quote block whose share of characters inside links exceeds this. Default 0.5; 1 disables. */
  maxLinkDensity?: number;
  /** Containers whose class or id contains one of these tokens (whole, case-insensitive) are dropped. */
  boilerplateTokens?: readonly string[];
}

/** Class/id tokens of page chrome dropped by default. Whole tokens only: `menu` matches `class="menu x"`, not `menu-item`. */
export const DEFAULT_BOILERPLATE_TOKENS: readonly string[] = [
  'nav',
  'navbar',
  'navigation',
  'menu',
  'sidebar',
  'sphinxsidebar',
  'breadcrumb',
  'breadcrumbs',
  'footer',
  'cookie-banner',
  'cookie-notice',
  'cookie-consent',
  'share',
  'sharing',
  'social-share',
  'advert',
  'advertisement',
  'related-posts',
  'skip-link',
];

export const DEFAULT_MAX_LINK_DENSITY = 0.5;

// Tag categories.
const SKIP = 1;
const BLOCK = 2;
const SECTIONING = 3; // block that scopes a <header>
const HEADING = 4;
const LIST_UL = 5;
const LIST_OL = 6;
const PRE = 7;
const CODE = 8;
const TABLE = 9;
const QUOTE = 10;
const BR = 11;
const ANCHOR = 12;
const INLINE = 13;
const HEADER = 14;
const TITLE = 15;
const VOID = 16; // img, wbr, meta...: no text

const TAGS = new Map<string, number>();
function tags(kind: number, names: string): void {
  for (const n of names.split(' ')) TAGS.set(n, kind);
}
tags(
  SKIP,
  'script style noscript template svg math nav aside footer form input button select option optgroup ' +
    'textarea datalist iframe frame frameset object embed canvas audio video map dialog search',
);
tags(
  BLOCK,
  'html body div p address center details summary fieldset legend figure figcaption hgroup dl dt dd li ' +
    'hr caption tbody thead tfoot tr td th noframes',
);
tags(SECTIONING, 'article section main');
tags(HEADING, 'h1 h2 h3 h4 h5 h6');
tags(LIST_UL, 'ul menu dir');
tags(LIST_OL, 'ol');
tags(PRE, 'pre listing xmp plaintext');
tags(CODE, 'code');
tags(TABLE, 'table');
tags(QUOTE, 'blockquote');
tags(BR, 'br');
tags(ANCHOR, 'a');
tags(
  INLINE,
  'abbr acronym b bdi bdo big cite data del dfn em font i ins kbd label mark nobr q rb rp rt rtc ruby s samp ' +
    'small span strike strong sub sup time tt u var output meter progress head',
);
tags(HEADER, 'header');
tags(TITLE, 'title');
tags(VOID, 'img wbr meta link base area col colgroup source track param picture');

const DROP_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'complementary',
  'search',
  'menu',
  'menubar',
  'toolbar',
  'dialog',
  'alertdialog',
]);

/** The page's own containers are never dropped for a class token (`<body class="sidebar">` is common). */
const NO_TOKEN_CHECK = new Set(['html', 'body', 'main']);

const PERMALINK_TEXT = new Set(['¶', '#', '§', '🔗']);
const WS = /\s+/g;
/** Closing punctuation before which a soft (invented) space is not emitted. */
const CLOSING_PUNCT = /^[,.;:!?%)\]}]/;
const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;

type BodyKind = 'paragraph' | 'list' | 'code' | 'table' | 'quote';

interface Piece {
  block: Block;
  chars: number;
  linkChars: number;
}

/** Where text goes: the running paragraph (parts) and the finished blocks (pieces). */
class Sink {
  readonly pieces: Piece[] = [];
  parts: string[] = [];
  /** 0: no space pending; 1: soft (invented) space; 2: space from the source's whitespace. */
  space = 0;
  chars = 0;
  linkChars = 0;
  hasBreak = false;
}

class Extractor {
  title: string | null = null;
  private sink = new Sink();
  readonly root = this.sink;
  private linkDepth = 0;
  /** > 0 inside a heading or a table cell: block elements are soft spaces, not paragraph breaks. */
  private inlineOnly = 0;
  private sectionDepth = 0;
  private readonly tokens: Set<string>;

  constructor(tokens: readonly string[]) {
    this.tokens = new Set(tokens.map((t) => t.toLowerCase()));
  }

  run(doc: ParentNode): void {
    this.children(doc);
    this.flush('paragraph');
  }

  private children(el: ParentNode): void {
    this.nodes(el.children);
  }

  private nodes(kids: readonly ChildNode[]): void {
    for (let i = 0; i < kids.length; i++) this.node(kids[i]!);
  }

  private node(node: ChildNode): void {
    if (node.type === 'text') {
      this.text(node.data);
      return;
    }
    if (node.type === 'cdata') {
      this.children(node);
      return;
    }
    if (node.type !== 'tag') return; // script, style, comment, directive
    const el = node;
    const kind = TAGS.get(el.name) ?? 0;
    if (kind === SKIP || kind === VOID) return;
    if (this.dropped(el, kind)) return;
    switch (kind) {
      case INLINE:
        this.children(el);
        return;
      case ANCHOR:
        this.anchor(el);
        return;
      case BLOCK:
        this.block(el);
        return;
      case SECTIONING:
        this.sectionDepth++;
        this.block(el);
        this.sectionDepth--;
        return;
      case HEADER:
        if (this.sectionDepth > 0) this.block(el);
        return;
      case HEADING:
        this.heading(el);
        return;
      case LIST_UL:
      case LIST_OL:
        this.list(el, kind === LIST_OL);
        return;
      case PRE:
        this.pre(el);
        return;
      case CODE:
        this.code(el);
        return;
      case TABLE:
        this.table(el);
        return;
      case QUOTE:
        this.quote(el);
        return;
      case BR:
        this.br();
        return;
      case TITLE:
        if (this.title === null) this.title = collapse(textOf(el)).trim();
        return;
      default:
        // Unknown (custom) element: inline, but never glue its words to its neighbours'.
        this.soft();
        this.children(el);
        this.soft();
    }
  }

  /** Hidden elements, page-chrome roles and boilerplate class/id tokens. */
  private dropped(el: Element, kind: number): boolean {
    const a = el.attribs;
    if (a.hidden !== undefined) return true;
    if (a['aria-hidden'] === 'true') return true;
    const style = a.style;
    if (style !== undefined && HIDDEN_STYLE.test(style)) return true;
    const role = a.role;
    if (role !== undefined && DROP_ROLES.has(role.toLowerCase())) return true;
    if (kind === INLINE || kind === ANCHOR || kind === CODE || kind === BR || kind === HEADING) return false;
    if (this.tokens.size === 0 || NO_TOKEN_CHECK.has(el.name)) return false;
    return this.hasToken(a.class) || this.hasToken(a.id);
  }

  private hasToken(value: string | undefined): boolean {
    if (value === undefined || value.length === 0) return false;
    const v = value.toLowerCase();
    if (v.indexOf(' ') < 0) return this.tokens.has(v.trim());
    for (const t of v.split(WS)) if (t.length > 0 && this.tokens.has(t)) return true;
    return false;
  }

  private text(data: string): void {
    const sink = this.sink;
    let s = data.replace(WS, ' ');
    if (s === ' ' || s.length === 0) {
      if (s.length > 0 && sink.parts.length > 0) sink.space = 2;
      return;
    }
    if (s.charCodeAt(0) === 32) {
      sink.space = 2;
      s = s.slice(1);
    }
    let trailing = false;
    if (s.charCodeAt(s.length - 1) === 32) {
      trailing = true;
      s = s.slice(0, -1);
    }
    const parts = sink.parts;
    if (parts.length > 0 && sink.space !== 0 && parts[parts.length - 1] !== '\n') {
      if (sink.space === 2 || !CLOSING_PUNCT.test(s)) parts.push(' ');
    }
    parts.push(s);
    sink.chars += s.length;
    if (this.linkDepth > 0) sink.linkChars += s.length;
    sink.space = trailing ? 2 : 0;
  }

  private soft(): void {
    if (this.sink.space === 0) this.sink.space = 1;
  }

  private br(): void {
    if (this.inlineOnly > 0) {
      this.sink.space = 2;
      return;
    }
    const sink = this.sink;
    if (sink.parts.length > 0) {
      sink.parts.push('\n');
      sink.hasBreak = true;
    }
    sink.space = 0;
  }

  /** Ends the running paragraph (if any) as a block of the given kind. */
  private flush(kind: 'paragraph' | 'heading', level: 1 | 2 | 3 | 4 | 5 | 6 = 1): void {
    const sink = this.sink;
    if (sink.parts.length === 0) {
      if (kind === 'heading') sink.pieces.push({ block: { kind, level, text: '' }, chars: 0, linkChars: 0 });
      return;
    }
    let text = sink.parts.join('');
    if (sink.hasBreak) text = tidyLines(text);
    text = text.trim();
    if (kind === 'heading') {
      sink.pieces.push({ block: { kind, level, text }, chars: sink.chars, linkChars: sink.linkChars });
    } else if (text.length > 0) {
      sink.pieces.push({ block: { kind, text }, chars: sink.chars, linkChars: sink.linkChars });
    }
    sink.parts = [];
    sink.space = 0;
    sink.chars = 0;
    sink.linkChars = 0;
    sink.hasBreak = false;
  }

  private emit(kind: BodyKind, text: string, chars: number, linkChars: number): void {
    if (text.length === 0) return;
    this.sink.pieces.push({ block: { kind, text }, chars, linkChars });
  }

  private block(el: Element): void {
    if (this.inlineOnly > 0) {
      this.soft();
      this.children(el);
      this.soft();
      return;
    }
    this.flush('paragraph');
    this.children(el);
    this.flush('paragraph');
  }

  /** Walks the nodes into a fresh sink and returns the blocks they made. */
  private collect(kids: readonly ChildNode[]): Sink {
    const outer = this.sink;
    const inner = new Sink();
    this.sink = inner;
    this.nodes(kids);
    this.flush('paragraph');
    this.sink = outer;
    return inner;
  }

  private heading(el: Element): void {
    if (this.inlineOnly > 0) {
      this.soft();
      this.children(el);
      this.soft();
      return;
    }
    this.flush('paragraph');
    this.inlineOnly++;
    this.children(el);
    this.inlineOnly--;
    this.flush('heading', (el.name.charCodeAt(1) - 48) as 1 | 2 | 3 | 4 | 5 | 6);
  }

  private anchor(el: Element): void {
    const a = el.attribs;
    if (a.class !== undefined && a.class.indexOf('headerlink') >= 0) return;
    const kids = el.children;
    if (kids.length === 1) {
      const only = kids[0]!;
      if (only.type === 'text' && PERMALINK_TEXT.has(only.data.trim())) return;
    }
    if (a.href === undefined) {
      this.children(el);
      return;
    }
    this.linkDepth++;
    this.children(el);
    this.linkDepth--;
  }

  private list(el: Element, ordered: boolean): void {
    if (this.inlineOnly > 0) {
      this.block(el);
      return;
    }
    this.flush('paragraph');
    const a = el.attribs;
    const reversed = ordered && a.reversed !== undefined;
    let n = 1;
    if (ordered) {
      const start = a.start === undefined ? NaN : parseInt(a.start, 10);
      if (Number.isFinite(start)) n = start;
      else if (reversed) n = el.children.filter((c) => c.type === 'tag' && c.name === 'li').length;
    }
    const lines: string[] = [];
    let chars = 0;
    let linkChars = 0;
    const kids = el.children;
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i]!;
      if (c.type === 'text') {
        if (c.data.trim().length === 0) continue;
      } else if (c.type !== 'tag' && c.type !== 'cdata') continue;
      const isItem = c.type === 'tag' && c.name === 'li';
      if (isItem && this.dropped(c, BLOCK)) continue;
      if (isItem && ordered && c.attribs.value !== undefined) {
        const v = parseInt(c.attribs.value, 10);
        if (Number.isFinite(v)) n = v;
      }
      // A stray non-<li> child (text, or a list nested directly in the list) hangs under the previous item.
      const sub = this.collect(isItem ? c.children : [c]);
      const body = sub.pieces.map((p) => p.block.text).join('\n');
      for (const p of sub.pieces) {
        chars += p.chars;
        linkChars += p.linkChars;
      }
      if (isItem) {
        if (body.length > 0) lines.push(hang(ordered ? `${n}. ` : '- ', body));
        n += reversed ? -1 : 1;
      } else if (body.length > 0) {
        lines.push(hang('  ', body));
      }
    }
    this.emit('list', lines.join('\n'), chars, linkChars);
  }

  private pre(el: Element): void {
    if (this.inlineOnly > 0) {
      this.soft();
      this.children(el);
      this.soft();
      return;
    }
    this.flush('paragraph');
    const counts = { chars: 0, linkChars: 0 };
    const raw = rawText(el, counts, false);
    this.emit('code', tidyCode(raw), counts.chars, counts.linkChars);
  }

  private code(el: Element): void {
    if (this.inlineOnly === 0 && this.sink.parts.length === 0) {
      const counts = { chars: 0, linkChars: 0 };
      const raw = rawText(el, counts, false);
      if (raw.trim().indexOf('\n') >= 0) {
        this.emit('code', tidyCode(raw), counts.chars, counts.linkChars);
        return;
      }
    }
    this.children(el);
  }

  private table(el: Element): void {
    if (this.inlineOnly > 0 || isLayoutTable(el)) {
      this.block(el);
      return;
    }
    this.flush('paragraph');
    const rows: string[] = [];
    const totals = { chars: 0, linkChars: 0 };
    const cellText = (cell: Element): string => {
      this.inlineOnly++;
      const sub = this.collect(cell.children);
      this.inlineOnly--;
      for (const p of sub.pieces) {
        totals.chars += p.chars;
        totals.linkChars += p.linkChars;
      }
      return sub.pieces.map((p) => p.block.text).join(' ');
    };
    const visit = (parent: ParentNode): void => {
      for (const c of parent.children) {
        if (c.type !== 'tag' || this.dropped(c, BLOCK)) continue;
        if (c.name === 'tr') {
          const cells: string[] = [];
          for (const cell of c.children) {
            if (cell.type !== 'tag' || (cell.name !== 'td' && cell.name !== 'th')) continue;
            if (this.dropped(cell, BLOCK)) continue;
            cells.push(cellText(cell));
          }
          if (cells.some((t) => t.length > 0)) rows.push(cells.join(' | ').trimEnd());
        } else if (c.name === 'caption') {
          const t = cellText(c);
          if (t.length > 0) rows.push(t);
        } else if (c.name === 'thead' || c.name === 'tbody' || c.name === 'tfoot') {
          visit(c);
        }
      }
    };
    visit(el);
    this.emit('table', rows.join('\n'), totals.chars, totals.linkChars);
  }

  private quote(el: Element): void {
    if (this.inlineOnly > 0) {
      this.block(el);
      return;
    }
    this.flush('paragraph');
    const sub = this.collect(el.children);
    let chars = 0;
    let linkChars = 0;
    for (const p of sub.pieces) {
      chars += p.chars;
      linkChars += p.linkChars;
    }
    this.emit('quote', sub.pieces.map((p) => p.block.text).join('\n\n'), chars, linkChars);
  }
}

function collapse(s: string): string {
  return s.replace(WS, ' ');
}

/** Concatenated text of all descendants (no script/style), for <title>. */
function textOf(el: ParentNode): string {
  let out = '';
  for (const c of el.children) {
    if (c.type === 'text') out += c.data;
    else if (c.type === 'tag' || c.type === 'cdata') out += textOf(c);
  }
  return out;
}

/** Verbatim text of a <pre>/<code> subtree; <br> becomes a newline; hidden parts and permalinks are left out. */
function rawText(el: ParentNode, counts: { chars: number; linkChars: number }, inLink: boolean): string {
  let out = '';
  for (const c of el.children) {
    if (c.type === 'text') {
      out += c.data;
      counts.chars += c.data.length;
      if (inLink) counts.linkChars += c.data.length;
    } else if (c.type === 'tag') {
      if (c.name === 'br') {
        out += '\n';
        continue;
      }
      const a = c.attribs;
      if (a.hidden !== undefined || a['aria-hidden'] === 'true') continue;
      const kind = TAGS.get(c.name);
      if (kind === SKIP) continue;
      if (kind === ANCHOR && a.class !== undefined && a.class.indexOf('headerlink') >= 0) continue;
      out += rawText(c, counts, inLink || (kind === ANCHOR && a.href !== undefined));
    } else if (c.type === 'cdata') {
      out += rawText(c, counts, inLink);
    }
  }
  return out;
}

/** Code keeps its whitespace; only blank lines at either end and trailing spaces go. */
function tidyCode(raw: string): string {
  let s = raw.replace(/\r\n?/g, '\n');
  s = s.replace(/^(?:[ \t]*\n)+/, '');
  s = s.replace(/\s+$/, '');
  if (s.indexOf('\t') < 0 && !/[ \t]\n/.test(s)) return s;
  return s
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n');
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

/** First line after the marker; the following lines indented by the marker's width. */
function hang(marker: string, body: string): string {
  const pad = ' '.repeat(marker.length);
  const lines = body.split('\n');
  let out = marker + lines[0];
  for (let i = 1; i < lines.length; i++) out += '\n' + (lines[i]!.length > 0 ? pad + lines[i] : '');
  return out;
}

/** A table used for page layout: marked role="presentation", or holding a nested table or a heading. */
function isLayoutTable(table: Element): boolean {
  if (table.attribs.role === 'presentation') return true;
  const stack: ChildNode[] = [...table.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type !== 'tag') continue;
    const k = TAGS.get(n.name);
    if (k === TABLE || k === HEADING) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

/** Converts an HTML document (already decoded to a string) to a title and blocks in reading order. */
export function htmlToStructuredText(html: string, options: HtmlToTextOptions = {}): StructuredText {
  const maxLinkDensity = options.maxLinkDensity ?? DEFAULT_MAX_LINK_DENSITY;
  const doc = parseDocument(html, { decodeEntities: true });
  const ex = new Extractor(options.boilerplateTokens ?? DEFAULT_BOILERPLATE_TOKENS);
  ex.run(doc);
  const blocks: Block[] = [];
  for (const p of ex.root.pieces) {
    const k = p.block.kind;
    if (k !== 'heading' && k !== 'code' && p.chars > 0 && p.linkChars / p.chars > maxLinkDensity) continue;
    blocks.push(p.block);
  }
  return { title: ex.title, blocks };
}
