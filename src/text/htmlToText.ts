import { parseDocument } from 'htmlparser2';
import type { StructuredText } from './blocks';
import { DEFAULT_NAVIGATION_HEADINGS, navigationSet, type NavigationHeadings } from './filters';
import { Boilerplate, DEFAULT_BOILERPLATE_TOKENS, type KeepOptions } from './html/boilerplate';
import { limitDepth } from './html/depthLimit';
import { documentTitle } from './html/inline';
import { DEFAULT_MAX_LINK_DENSITY, dropLinkDense, keepProseInPeriphery } from './html/linkDensity';
import { findMainContent } from './html/mainContent';
import { dropPromoLines } from './html/promoLines';
import { Walker } from './html/walker';

export { DEFAULT_BOILERPLATE_TOKENS, DEFAULT_MAX_LINK_DENSITY };

/**
 * HTML -> StructuredText in one pass over the htmlparser2 DOM (the walker is in ./html/).
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

export interface HtmlToTextOptions extends KeepOptions {
  /** Drop a paragraph/list/table/quote block whose share of characters inside links exceeds this. Default 0.5; 1 disables. */
  maxLinkDensity?: number;
  /** Containers whose class or id has one of these words are dropped (./html/classTokens.ts). */
  boilerplateTokens?: readonly string[];
  /** Keep only the element holding the main text (default true); false converts the whole page minus its chrome. */
  mainContent?: boolean;
  /** Headings that open page furniture (related stories, comments...), dropped with their section. Default: the segment stage's defaults. */
  navigation?: NavigationHeadings;
}

const DEFAULT_NAVIGATION = navigationSet(DEFAULT_NAVIGATION_HEADINGS);

/** Converts an HTML document (already decoded to a string) to a title and blocks in reading order. */
export function htmlToStructuredText(html: string, options: HtmlToTextOptions = {}): StructuredText {
  const doc = parseDocument(html, { decodeEntities: true });
  limitDepth(doc);
  const boilerplate = new Boilerplate(options.boilerplateTokens ?? DEFAULT_BOILERPLATE_TOKENS, options);
  const main = options.mainContent === false ? null : findMainContent(doc, boilerplate);
  const walker = new Walker(boilerplate, options.navigation ?? DEFAULT_NAVIGATION, main !== null);
  let pieces = keepProseInPeriphery(walker.run(main?.main ?? doc, main?.core ?? null));
  if (process.env.PROMO !== '0') pieces = dropPromoLines(pieces);
  if (!options.captions && process.env.CAP !== '0') pieces = pieces.filter((p) => p.caption !== true);
  const blocks = dropLinkDense(pieces, options.maxLinkDensity ?? DEFAULT_MAX_LINK_DENSITY);
  return { title: documentTitle(doc), blocks };
}
