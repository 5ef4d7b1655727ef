/**
 * What the walker does with each element name. Kinds are plain numbers so the per-node switch in
 * the walker stays a cheap integer compare; 0 is an unknown (custom) element.
 */

/** Dropped with its content: scripts, embedded media, form controls and page chrome elements. */
export const SKIP = 1;
/** Ends the running paragraph. */
export const BLOCK = 2;
/** A block that scopes a <header> (a <header> inside one is content, not the page banner). */
export const SECTIONING = 3;
export const HEADING = 4;
export const LIST_UL = 5;
export const LIST_OL = 6;
export const PRE = 7;
export const CODE = 8;
export const TABLE = 9;
export const QUOTE = 10;
export const BR = 11;
export const ANCHOR = 12;
export const INLINE = 13;
export const HEADER = 14;
/** img, wbr, meta...: no text. */
export const VOID = 15;
/**
 * A <form>: a block when it wraps the whole page (ASP.NET pages put the body in one), dropped when
 * it sits inside the main text (comment and sign-up forms).
 */
export const FORM = 16;
/**
 * nav, aside, footer: page chrome by their tag, dropped with their content; only on a page whose
 * main text came out thin is one that wraps the page's content (a theme left it unclosed) weighed
 * like named chrome (./boilerplate.ts).
 */
export const LANDMARK = 17;

const KINDS = new Map<string, number>();
function define(kind: number, names: string): void {
  for (const n of names.split(' ')) KINDS.set(n, kind);
}
define(
  SKIP,
  'script style noscript template title svg math input button select option optgroup ' +
    'textarea datalist iframe frame frameset object embed canvas audio video map dialog search',
);
// Ruby annotations (furigana over kanji, pinyin over hanzi) are a reading aid printed above the
// text, not part of the sentence: 子<rt>こ</rt>ども reads 子ども.
define(SKIP, 'rt rp rtc');
define(
  BLOCK,
  'html body div p address center details summary fieldset legend figure figcaption hgroup dl dt dd li ' +
    'hr caption tbody thead tfoot tr td th noframes',
);
define(SECTIONING, 'article section main');
define(HEADING, 'h1 h2 h3 h4 h5 h6');
define(LIST_UL, 'ul menu dir');
define(LIST_OL, 'ol');
define(PRE, 'pre listing xmp plaintext');
define(CODE, 'code');
define(TABLE, 'table');
define(QUOTE, 'blockquote');
define(BR, 'br');
define(ANCHOR, 'a');
define(
  INLINE,
  'abbr acronym b bdi bdo big cite data del dfn em font i ins kbd label mark nobr q rb ruby s samp ' +
    'small span strike strong sub sup time tt u var output meter progress head',
);
define(HEADER, 'header');
define(LANDMARK, 'nav aside footer');
define(FORM, 'form');
define(VOID, 'img wbr meta link base area col colgroup source track param picture');

/** The kind of an element by its (lower-case) tag name; 0 when unknown. */
export function tagKind(name: string): number {
  return KINDS.get(name) ?? 0;
}
