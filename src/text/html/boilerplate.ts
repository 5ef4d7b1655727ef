import type { Element } from 'domhandler';
import { ANCHOR, BR, CODE, HEADING, INLINE } from './tags';

/**
 * Page chrome and hidden content, dropped with everything inside: hidden elements, ARIA landmark
 * roles of chrome, containers whose class or id is a boilerplate token, and permalink anchors.
 */

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

/** Decides which elements are page chrome, for one set of boilerplate tokens. */
export class Boilerplate {
  private readonly tokens: Set<string>;

  constructor(tokens: readonly string[]) {
    this.tokens = new Set(tokens.map((t) => t.toLowerCase()));
  }

  /** Hidden elements, page-chrome roles and (for containers) boilerplate class/id tokens. */
  drops(el: Element, kind: number): boolean {
    const a = el.attribs;
    if (isHidden(a)) return true;
    const style = a.style;
    if (style !== undefined && HIDDEN_STYLE.test(style)) return true;
    const role = a.role;
    if (role !== undefined && DROP_ROLES.has(role.toLowerCase())) return true;
    // Tokens name containers; an inline `<span class="share">` is prose.
    if (kind === INLINE || kind === ANCHOR || kind === CODE || kind === BR || kind === HEADING) return false;
    if (this.tokens.size === 0 || NO_TOKEN_CHECK.has(el.name)) return false;
    return this.hasToken(a.class) || this.hasToken(a.id);
  }

  private hasToken(value: string | undefined): boolean {
    if (value === undefined || value.length === 0) return false;
    const v = value.toLowerCase();
    if (v.indexOf(' ') < 0) return this.tokens.has(v.trim());
    for (const t of v.split(TOKEN_SEPARATOR)) if (t.length > 0 && this.tokens.has(t)) return true;
    return false;
  }
}
