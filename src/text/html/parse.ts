import { type Document, DomHandler } from 'domhandler';
import { Parser } from 'htmlparser2';
import { limitDepth } from './depthLimit';

/**
 * Parses HTML into an htmlparser2 DOM in linear time whatever the nesting. htmlparser2 keeps its open
 * elements in an array it grows at the front (`unshift`), so each open tag costs the current depth:
 * 100,000 unclosed <div>s took minutes. The parse watches the depth; past MAX_OPEN it stops, and the
 * page is parsed again after `capNesting` removed the tags that open (and close) deeper than that.
 * Pages that stay shallower, nearly all of them, are parsed once as before.
 */
export const MAX_OPEN = 512;

const OPTIONS = { decodeEntities: true } as const;

class TooDeep extends Error {}

/** A DOM builder that gives up when elements nest deeper than MAX_OPEN. */
class GuardedHandler extends DomHandler {
  override onopentag(name: string, attribs: Record<string, string>): void {
    super.onopentag(name, attribs);
    if (this.tagStack.length > MAX_OPEN) throw new TooDeep();
  }
}

function parseWith(html: string): Document {
  const handler = new GuardedHandler();
  new Parser(handler, OPTIONS).end(html);
  return handler.root;
}

/** The DOM of `html`, at most MAX_DEPTH levels deep (depthLimit.ts), so every later pass may recurse. */
export function parseHtml(html: string): Document {
  let doc: Document;
  try {
    doc = parseWith(html);
  } catch (err) {
    if (!(err instanceof TooDeep)) throw err;
    doc = parseWith(capNesting(html, MAX_OPEN / 2));
  }
  limitDepth(doc);
  return doc;
}

/** Elements that never nest: void ones, and those a sibling of the same kind closes (a new <p> ends the open one). */
const FLAT = new Set(
  'area base br col embed hr img input link meta source track wbr p li dt dd tr td th option optgroup rb rt rp thead tbody tfoot caption colgroup'.split(' '),
);
/**
 * Elements whose content is raw text, skipped to their closing tag: exactly those htmlparser2 reads
 * as raw text. Markup inside any other (<noscript>, <xmp>) becomes elements, so its depth counts:
 * skipping a <noscript> let 100,000 divs nested in it through to the guarded second parse.
 */
const RAW = new Set(['script', 'style', 'textarea', 'title']);

const isNameChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 58;

/**
 * The HTML with every tag that opens deeper than `cap` removed, and the closing tags that would end
 * them; text stays where it was. One pass over the string: tags are found by their `<`, attribute
 * values are skipped with their quotes, comments and raw-text elements to their end.
 */
export function capNesting(html: string, cap: number): string {
  const out: string[] = [];
  let depth = 0;
  let copied = 0;
  let i = html.indexOf('<');
  while (i >= 0 && i < html.length) {
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? -1 : html.indexOf('<', end + 3);
      continue;
    }
    const closing = html.charCodeAt(i + 1) === 47;
    let j = i + (closing ? 2 : 1);
    while (j < html.length && isNameChar(html.charCodeAt(j))) j++;
    const name = html.slice(i + (closing ? 2 : 1), j).toLowerCase();
    if (name.length === 0) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    const end = tagEnd(html, j);
    const selfClosing = html.charCodeAt(end - 1) === 47;
    const nests = !FLAT.has(name) && !selfClosing;
    let drop = false;
    if (nests && !closing) drop = ++depth > cap;
    else if (nests && closing) drop = depth-- > cap;
    if (drop) {
      out.push(html.slice(copied, i));
      copied = end + 1;
    }
    let next = end + 1;
    if (!closing && RAW.has(name)) next = rawEnd(html, name, next);
    i = html.indexOf('<', next);
  }
  out.push(html.slice(copied));
  return out.join('');
}

/** Index of the `>` ending a tag whose name ends at `from`; a quoted attribute value (after `=`) may hold `>`. */
function tagEnd(html: string, from: number): number {
  let quote = 0;
  let afterEquals = false;
  for (let k = from; k < html.length; k++) {
    const c = html.charCodeAt(k);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if ((c === 34 || c === 39) && afterEquals) {
      quote = c;
    } else if (c === 62) {
      return k;
    }
    if (c === 61) afterEquals = true;
    else if (c !== 32 && c !== 9 && c !== 10 && c !== 13) afterEquals = false;
  }
  return html.length - 1;
}

/** Index of the closing tag of raw-text element `name` (any case) from `from`, or the end. */
function rawEnd(html: string, name: string, from: number): number {
  for (let k = html.indexOf('</', from); k >= 0; k = html.indexOf('</', k + 2)) {
    if (html.slice(k + 2, k + 2 + name.length).toLowerCase() === name) return k;
  }
  return html.length;
}
