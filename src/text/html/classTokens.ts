import type { ChildNode, Element } from 'domhandler';
import { nodeText } from './nodeText';
import { HEADING, tagKind } from './tags';

/**
 * What an element's class and id say it is. Names are cut into words the way themes compose them
 * (`footer-wrap`, `comment_list`, `relatedPosts`, `wp-caption-text` -> footer|wrap, comment|list,
 * related|posts, wp|caption|text), so one vocabulary covers the compound names real pages use.
 * Whole words only: `menu` matches `menu-main`, never `menuitem` or `commentary`.
 */

/** Page chrome dropped by default (`boilerplateTokens` replaces this list). */
export const DEFAULT_BOILERPLATE_TOKENS: readonly string[] = [
  // navigation and page frame
  'nav', 'navbar', 'navigation', 'menu', 'menubar', 'megamenu', 'submenu', 'topnav', 'subnav', 'breadcrumb',
  'breadcrumbs', 'sidebar', 'sphinxsidebar', 'widgetarea', 'footer', 'masthead', 'topbar', 'header', 'siteheader', 'banner',
  'pagination', 'pager', 'skip', 'login', 'search', 'searchform',
  // consent, sharing, ads, sign-up
  'cookie', 'cookies', 'consent', 'gdpr', 'share', 'sharing', 'sharedaddy', 'shariff', 'social', 'addthis',
  'advert', 'advertisement', 'ad', 'ads', 'adsense', 'sponsor', 'sponsored', 'promo', 'newsletter', 'subscribe',
  'signup',
  // other stories and site furniture
  'related', 'relatedposts', 'yarpp', 'recommended', 'recommendations', 'popular', 'mostread', 'trending',
  'ticker', 'tweet', 'tags', 'tagcloud', 'taglist', 'print',
];

/** Reader comments (kept with `comments: true`). */
export const COMMENT_TOKENS: readonly string[] = [
  'comment', 'comments', 'commentlist', 'commentform', 'respond', 'disqus', 'discussion', 'replies',
];

/** Author and date lines, author boxes (kept with `bylines: true`). */
export const BYLINE_TOKENS: readonly string[] = [
  'byline', 'author', 'authors', 'authorbox', 'dateline', 'date', 'published', 'updated', 'posted', 'meta',
  'postmeta', 'entrymeta', 'articlemeta', 'entrydate', 'postdate', 'publishdate', 'pubdate', 'bio', 'authorinfo', 'aboutauthor',
];

/** Image captions and credits (kept with `captions: true`). */
export const CAPTION_TOKENS: readonly string[] = ['caption', 'credit', 'credits', 'copyright', 'figcaption'];

/** Whole class names that hide an element from view (screen-reader text, utility classes). */
export const HIDDEN_NAMES: readonly string[] = [
  'hidden', 'hide', 'is-hidden', 'u-hidden', 'invisible', 'sr-only', 'visually-hidden', 'screen-reader-text',
  'element-invisible', 'offscreen',
];

/** Words of names that pop up on hover or click (tooltips, link cards, modals): not visible text. */
export const POPUP_WORDS: readonly string[] = ['tooltip', 'popover', 'popup', 'hovercard', 'modal'];

/**
 * Words that make a name describe the page rather than name a part of it: `has-sidebar`,
 * `no-comments`. A name with `content` or `main` beside `sidebar` is the layout wrapper holding both
 * (`content-sidebar-wrap`), not the sidebar.
 */
const STATE_WORDS = new Set(['has', 'with', 'no', 'without', 'show', 'enable', 'enabled']);
const CONTENT_WORDS = new Set(['content', 'main']);
/** First words of taxonomy names CMSs put on an article (`tag-social-media`, `category-news`): labels, not parts. */
const TAXONOMY_WORDS = new Set(['tag', 'category', 'cat', 'format', 'type', 'status', 'postid', 'topic', 'section']);
/** Words that name chrome only as the whole name: `header` is the page banner, `td-post-header` holds the lead. */
const WHOLE_NAME_ONLY = new Set(['header', 'meta', 'date', 'bio']);

const CAMEL = /([a-z0-9])([A-Z])/g;
const SEPARATORS = /[^a-z0-9]+/;

/** Each name of a class or id value as its words; a compound name also yields its joined form (`sr-only`: sr, only, sronly). */
export function nameWords(value: string): string[][] {
  const names: string[][] = [];
  for (const name of value.split(/\s+/)) {
    const words = name.replace(CAMEL, '$1-$2').toLowerCase().split(SEPARATORS).filter((p) => p.length > 0);
    if (words.length > 1) words.push(words.join(''));
    if (words.length > 0) names.push(words);
  }
  return names;
}

/** True when one name has a word of `vocabulary` and neither describes the page nor is a layout wrapper. */
export function namesPart(names: readonly string[][], vocabulary: ReadonlySet<string>): boolean {
  return names.some((words) => isPart(words, vocabulary));
}

function isPart(words: readonly string[], vocabulary: ReadonlySet<string>): boolean {
  if (TAXONOMY_WORDS.has(words[0]) && words.length > 1) return false;
  let hit: string | undefined;
  let content = false;
  for (const w of words) {
    if (STATE_WORDS.has(w)) return false;
    if (CONTENT_WORDS.has(w)) content = true;
    else if (hit === undefined && vocabulary.has(w) && (words.length === 1 || !WHOLE_NAME_ONLY.has(w))) hit = w;
  }
  return hit !== undefined && !(content && hit === 'sidebar');
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * True when the element opens with a heading whose words include every word of `id` (a slug of it):
 * `<section id="cookie-management"><h2>Cookie management</h2>` is an anchor, not a name.
 */
export function restatesHeading(el: Element, id: string): boolean {
  // The first child with text; empty anchors (`<span id="tut-searchpath"></span>`) come before headings.
  let heading: Element | undefined;
  for (const c of el.children) {
    if (c.type !== 'tag' || !hasText(c)) continue;
    heading = c;
    break;
  }
  if (heading === undefined || tagKind(heading.name) !== HEADING) return false;
  const words = new Set(nodeText(heading, ' ').toLowerCase().match(WORD) ?? []);
  return (id.toLowerCase().match(WORD) ?? []).every((w) => words.has(w) || /^\d+$/.test(w));
}

/** Whether any text node under `el` has more than whitespace: stops at the first (a wrapper may hold the page). */
function hasText(el: Element): boolean {
  const stack: ChildNode[] = [...el.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text' && n.data.trim().length > 0) return true;
    if (n.type === 'tag') for (const c of n.children) stack.push(c);
  }
  return false;
}
