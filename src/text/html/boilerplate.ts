import type { Element } from 'domhandler';
import { BYLINE_TOKENS, CAPTION_TOKENS, COMMENT_TOKENS, HIDDEN_NAMES, nameWords, namesPart, POPUP_WORDS, restatesHeading } from './classTokens';
import { ANCHOR, BR, CODE, HEADER, HEADING, INLINE, LANDMARK, SECTIONING, tagKind } from './tags';

/**
 * Page chrome and hidden content, dropped with everything inside: hidden elements (by attribute,
 * inline style, or a hiding class such as `sr-only` or a pop-up card's `tooltip`), nav/aside/footer
 * and ARIA landmark roles of chrome, containers whose class or id names chrome (./classTokens.ts),
 * and permalink anchors. Reader comments, bylines and captions are dropped unless kept by the options.
 */

/** What to keep besides the main text; the defaults are what instruction data wants. */
export interface KeepOptions {
  /** Reader comment threads (default false). */
  comments?: boolean;
  /** Author and date lines, author boxes (default false). */
  bylines?: boolean;
  /** Image captions and photo credits (default false). */
  captions?: boolean;
}

/**
 * Themes that leave a <nav>, <aside> or <header role="banner"> unclosed put the whole page, the
 * article's <main> or <article> included, inside it. With `landmarkWrappers` (the second look at a
 * page whose main text came out thin, ../htmlToText.ts) such an element is named chrome, kept when
 * it holds most of the page's prose, instead of dropped.
 */
export interface ChromeOptions {
  landmarkWrappers?: boolean;
}

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

/**
 * Elements whose id is read as a name: the page's regions. Ids on paragraphs, terms and list items are
 * anchors (`<dt id="colorsys.rgb_to_yiq">`), unique per element, and not worth cutting into words.
 */
const ID_NAMED = new Set(['div', 'section', 'article', 'aside', 'header', 'footer', 'nav', 'ul', 'ol', 'table', 'form']);

/** The page's own containers are never dropped for a class token (`<body class="sidebar">` is common). */
const NO_TOKEN_CHECK = new Set(['html', 'body', 'main']);

const HIDDEN_NAME_SET = new Set(HIDDEN_NAMES);
const POPUP_SET = new Set(POPUP_WORDS);
const PERMALINK_TEXT = new Set(['¶', '#', '§', '🔗']);
const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;
const TOKEN_SEPARATOR = /\s+/;

type Attribs = Element['attribs'];

/** `hidden` or `aria-hidden="true"`: the checks that also apply inside verbatim code. */
export function isHidden(a: Attribs): boolean {
  return a.hidden !== undefined || a['aria-hidden'] === 'true';
}

/** Sphinx-style `<a class="headerlink">`. */
export function isHeaderLink(a: Attribs): boolean {
  return a.class !== undefined && a.class.indexOf('headerlink') >= 0;
}

/** A permalink anchor: a header link, or a link whose only text is a pilcrow-like symbol. */
export function isPermalink(el: Element): boolean {
  if (isHeaderLink(el.attribs)) return true;
  const kids = el.children;
  if (kids.length !== 1) return false;
  const only = kids[0];
  return only.type === 'text' && PERMALINK_TEXT.has(only.data.trim());
}

/** Not chrome. */
export const CONTENT = 0;
/** Named chrome (class/id words, pop-ups): dropped unless it turns out to wrap the main text. */
export const NAMED = 1;
/** Hidden, a chrome role, or a comment thread: always dropped. */
export const CHROME = 2;

/**
 * Decides which elements are page chrome, for one set of boilerplate tokens and keep options.
 * A name is only a hint: themes call the wrapper of a whole page `widget Blog`, `date-outer` or
 * `Ads_TakeOver`, so ./mainContent.ts spares a NAMED element that holds most of the page's prose.
 */
export class Boilerplate {
  private readonly tokens: Set<string>;
  private readonly comments: Set<string>;
  private readonly dropFigcaption: boolean;
  private readonly spared = new Set<Element>();
  /** Verdicts by class and id: pages repeat the same few values on thousands of elements. */
  private readonly containerVerdicts = new Map<string, number>();
  private readonly inlineVerdicts = new Map<string, number>();
  private readonly landmarkWrappers: boolean;
  /** Whether an element wraps a <main> or <article>, for `landmarkWrappers`: each element is looked at once. */
  private readonly wrapsContent = new Map<Element, boolean>();

  constructor(tokens: readonly string[], keep: KeepOptions = {}, chrome: ChromeOptions = {}) {
    this.landmarkWrappers = chrome.landmarkWrappers === true;
    const all = [...tokens];
    if (!keep.bylines) all.push(...BYLINE_TOKENS);
    if (!keep.captions) all.push(...CAPTION_TOKENS);
    this.tokens = new Set(all.map((t) => t.toLowerCase()));
    this.comments = new Set(keep.comments ? [] : COMMENT_TOKENS);
    this.dropFigcaption = !keep.captions;
  }

  /** True when the element is dropped with its content. */
  drops(el: Element, kind: number): boolean {
    const v = this.verdict(el, kind);
    return v === CHROME || (v === NAMED && !this.spared.has(el));
  }

  /** Keeps a NAMED element that wraps the main text. */
  spare(el: Element): void {
    this.spared.add(el);
  }

  /**
   * CONTENT, NAMED or CHROME. A page-level <header> (under no <article>, <section> or <main>) is the
   * banner: named chrome at least, kept only when spared (broken themes wrap the page in it).
   */
  verdict(el: Element, kind: number): number {
    const v = this.ownVerdict(el, kind);
    return kind === HEADER && !inSection(el) ? Math.max(NAMED, v) : v;
  }

  private ownVerdict(el: Element, kind: number): number {
    const a = el.attribs;
    if (isHidden(a)) return CHROME;
    const style = a.style;
    if (style !== undefined && HIDDEN_STYLE.test(style)) return CHROME;
    const role = a.role;
    if (kind === LANDMARK || (role !== undefined && DROP_ROLES.has(role.toLowerCase()))) return this.landmarkWrappers && this.wraps(el) ? NAMED : CHROME;
    if (NO_TOKEN_CHECK.has(el.name)) return CONTENT;
    // Names of chrome are names of containers (an inline `<span class="share">` is prose); hiding names apply to all.
    const container = !(kind === INLINE || kind === ANCHOR || kind === CODE || kind === BR || kind === HEADING);
    if (container && this.dropFigcaption && el.name === 'figcaption') return NAMED;
    const cls = a.class ?? '';
    const id = container && ID_NAMED.has(el.name) ? (a.id ?? '') : '';
    if (cls.length === 0 && id.length === 0) return CONTENT;
    const v = this.cached(cls, id, container);
    // `<section id="cookie-management"><h2>Cookie management</h2>`: an id that restates the heading is its anchor, not a name.
    if (v !== CONTENT && id.length > 0 && restatesHeading(el, id)) return this.cached(cls, '', container);
    return v;
  }

  private wraps(el: Element): boolean {
    let v = this.wrapsContent.get(el);
    if (v === undefined) {
      v = el.name === 'main' || el.name === 'article' || el.attribs.role === 'main';
      for (const c of el.children) if (!v && c.type === 'tag') v = this.wraps(c);
      this.wrapsContent.set(el, v);
    }
    return v;
  }

  private cached(cls: string, id: string, container: boolean): number {
    const verdicts = container ? this.containerVerdicts : this.inlineVerdicts;
    const key = id.length === 0 ? cls : `${cls}#${id}`;
    let v = verdicts.get(key);
    if (v === undefined) {
      v = this.named(cls, id, container);
      verdicts.set(key, v);
    }
    return v;
  }

  private named(cls: string, id: string, container: boolean): number {
    for (const name of cls.toLowerCase().split(TOKEN_SEPARATOR)) if (HIDDEN_NAME_SET.has(name)) return CHROME;
    const names = nameWords(`${cls} ${id}`);
    if (!container) return namesPart(names, POPUP_SET) ? NAMED : CONTENT;
    if (namesPart(names, this.comments)) return CHROME;
    return namesPart(names, this.tokens) || namesPart(names, POPUP_SET) ? NAMED : CONTENT;
  }
}

/** Whether an <article>, <section> or <main> encloses the element: its <header> is then the section's own. */
function inSection(el: Element): boolean {
  for (let p = el.parent; p !== null; p = p.parent) if (p.type === 'tag' && tagKind(p.name) === SECTIONING) return true;
  return false;
}
