import type { ParentNode } from 'domhandler';
import type { Block, StructuredText } from './blocks';
import { DEFAULT_NAVIGATION_HEADINGS, navigationSet, type NavigationHeadings } from './filters';
import { Boilerplate, type KeepOptions } from './html/boilerplate';
import { DEFAULT_BOILERPLATE_TOKENS } from './html/classTokens';
import { documentTitle } from './html/inline';
import { DEFAULT_MAX_LINK_DENSITY, dropLinkDense } from './html/linkDensity';
import { findMainContent } from './html/mainContent';
import { parseHtml } from './html/parse';
import { keepProseInPeriphery } from './html/periphery';
import { dropPromoLines } from './html/promoLines';
import { type Look, thickenThinText } from './html/thinText';
import { MainTextWalker } from './html/mainTextWalker';
import { Walker } from './html/walker';
import { familiesKeeping, NAVIGATION_FAMILY_NAMES } from './navigationFamilies';

export { DEFAULT_BOILERPLATE_TOKENS, DEFAULT_MAX_LINK_DENSITY };

/**
 * HTML -> StructuredText: the main text of a page, in the structure the segmenter needs.
 *
 * Main-text extraction (why our own heuristics: bench/extract.ts on the 990-page eval set in
 * ../shared/extraction-eval, one core; see README "Main-text extraction"):
 * | extractor | P | R | F | pages/s |
 * | htmlToStructuredText before this (whole page minus chrome) | 0.702 | 0.971 | 0.815 | 460 |
 * | @mozilla/readability 0.6.0 over linkedom 0.18 (textContent) | 0.858 | 0.916 | 0.886 | 33 |
 * | trafilatura 2.3.1 (PyPI, the set's authors' settings) | 0.907 | 0.946 | 0.926 | 47.5 |
 * | this (main text, below) | 0.925 | 0.949 | 0.937 | 347 |
 * (the last two in one run; dev half F 0.938 P 0.935, held-out half F 0.936 P 0.915, no empty output)
 * Readability is slower than trafilatura (so far from 3x) and 0.04 F below it; scoring the
 * htmlparser2 DOM we already build costs one more pass and keeps the structure the segmenter needs.
 *
 * Steps (./html/):
 * 1. Parse (htmlparser2; parse.ts re-parses a page nested deeper than 512 with the excess tags
 *    removed, as htmlparser2 is quadratic in the depth), cap the DOM's depth at 256 (depthLimit.ts).
 * 2. Find the main text (mainContent.ts): the element with the most prose net of links and chrome,
 *    and its core. Chrome: tags (nav, aside, footer, a page-level header, scripts, media), ARIA chrome
 *    roles, hidden elements (attributes, inline style, hiding classes, pop-up cards), and class/id
 *    names cut into words (classTokens.ts: `footer-wrap`, `comment-list`, `relatedPosts`); a named
 *    element that holds most of the page's prose is a wrapper and is kept. Comment threads, bylines
 *    and captions are dropped unless kept by the options.
 * 3. Walk the main element (walker.ts) into blocks: h1-h6 headings (flattened, exempt from link
 *    density), paragraphs (block elements end them; inline text joins as a browser lays it out),
 *    `- ` / `1. ` lists (a list whose items hold posts or sections is walked as divs), code with its
 *    whitespace, ` | ` tables (layout tables as divs), quotes, <br> newlines. A <form> inside the
 *    main text is dropped (comment and sign-up forms), one around it (ASP.NET pages, forum threads)
 *    is not. Inside: a navigation heading ("Related Stories", "Kommentare") drops the section it
 *    opens, label paragraphs and runs of teaser headings go (furniture.ts).
 * 4. Around the core only prose stays (periphery.ts); promotional lines (promoLines.ts), captions
 *    (short text after an image) and link-dense blocks (share of characters inside <a href> above
 *    `maxLinkDensity`, judged on visible text) go. Headings left at the end with nothing under them
 *    go too: the titles of boxes whose links went ("Weitere Themen", "Empfohlene Beiträge").
 * 5. A main text under 150 characters gets a second look (thinText.ts): <noscript>, landmarks a theme
 *    left unclosed around the article and captions are let in; then the JSON-LD articleBody; then
 *    the whole page minus chrome; comments only when nothing else came out (forum threads).
 * With no prose outside chrome (or `mainContent: false`) the whole page minus its chrome is walked.
 * The document title is the first <title> (collapsed), or null.
 */

export interface HtmlToTextOptions extends KeepOptions {
  /** Drop a paragraph/list/table/quote block whose share of characters inside links exceeds this. Default 0.5; 1 disables. */
  maxLinkDensity?: number;
  /** Containers whose class or id has one of these words are dropped (./html/classTokens.ts). */
  boilerplateTokens?: readonly string[];
  /** Keep only the element holding the main text (default true); false converts the whole page minus its chrome. */
  mainContent?: boolean;
  /** Headings that open page furniture (related stories, comments...), dropped with their section. Default: the segment stage's defaults, less the families of what is kept. */
  navigation?: NavigationHeadings;
}


/** Converts an HTML document (already decoded to a string) to a title and blocks in reading order. */
export function htmlToStructuredText(html: string, options: HtmlToTextOptions = {}): StructuredText {
  const doc = parseHtml(html);
  const title = documentTitle(doc);
  if (options.mainContent === false) return { title, blocks: convert(doc, options, 'page', false) };
  // What each look of thinText.ts lets in besides the options' choice.
  const looks: Record<Look, HtmlToTextOptions> = {
    first: options,
    second: { ...options, captions: true },
    last: { ...options, captions: true, comments: true },
  };
  const convertLook = (root: ParentNode, scope: 'main' | 'page', look: Look): Block[] => convert(root, looks[look], scope, look !== 'first');
  const blocks = thickenThinText(convert(doc, options, 'main', false), doc, convertLook);
  return { title, blocks: dropTrailingHeadings(blocks) };
}

/** The default navigation headings less the families kept: built once per choice, not per page. */
const defaultNavigations = new Map<string, NavigationHeadings>();
function defaultNavigation(keep: HtmlToTextOptions): NavigationHeadings {
  const key = `comments=${Boolean(keep.comments)} bylines=${Boolean(keep.bylines)}`;
  let set = defaultNavigations.get(key);
  if (set === undefined) defaultNavigations.set(key, (set = navigationSet(DEFAULT_NAVIGATION_HEADINGS, familiesKeeping(NAVIGATION_FAMILY_NAMES, keep))));
  return set;
}

/** Steps 2-4 above on `root`: its main text, or (`page`, or no prose outside chrome) all of it minus chrome. */
function convert(root: ParentNode, options: HtmlToTextOptions, scope: 'main' | 'page', landmarkWrappers: boolean): Block[] {
  const boilerplate = new Boilerplate(options.boilerplateTokens ?? DEFAULT_BOILERPLATE_TOKENS, options, { landmarkWrappers });
  const main = scope === 'main' ? findMainContent(root, boilerplate) : null;
  const navigation = options.navigation ?? defaultNavigation(options);
  const walked = main === null ? new Walker(boilerplate).run(root) : new MainTextWalker(boilerplate, navigation, main.core).run(main.main);
  let pieces = dropPromoLines(keepProseInPeriphery(walked));
  if (!options.captions) pieces = pieces.filter((p) => p.caption !== true);
  return dropLinkDense(pieces, options.maxLinkDensity ?? DEFAULT_MAX_LINK_DENSITY);
}

/**
 * The blocks without the headings that end them: a heading with no text under it is the title of a
 * box whose content went (a teaser list, a tag cloud, a link row), never the main text's.
 * Measured on the eval set (bench/extract.ts): 11 fewer false positives (6 dev, 5 held-out), no
 * snippet lost. Headings followed by a heading of the same or a higher level (empty sections in
 * the middle) were tried too: as many snippets lost as boilerplate dropped.
 */
function dropTrailingHeadings(blocks: Block[]): Block[] {
  let end = blocks.length;
  while (end > 0 && blocks[end - 1].kind === 'heading') end--;
  return end === blocks.length ? blocks : blocks.slice(0, end);
}
