import type { Element } from 'domhandler';
import type { LinkCounts } from './linkDensity';
import { BLOCK, HEADING, LIST_OL, SECTIONING, tagKind } from './tags';
import type { SubtreeWalker } from './renderers';

/**
 * A list becomes one block: `- ` items for <ul>, `1. `, `2. `... for <ol> (honouring `start`,
 * `reversed` and `<li value>`). An item's nested lists and further paragraphs hang under its marker.
 */

/** The list's text, one item per line; adds the items' link counts to `counts`. */
export function listText(el: Element, counts: LinkCounts, walk: SubtreeWalker): string {
  const ordered = tagKind(el.name) === LIST_OL;
  const reversed = ordered && el.attribs.reversed !== undefined;
  let n = ordered ? firstNumber(el, reversed) : 1;
  const lines: string[] = [];
  const kids = el.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i];
    if (c.type === 'text') {
      if (c.data.trim().length === 0) continue;
    } else if (c.type !== 'tag' && c.type !== 'cdata') continue;
    const isItem = c.type === 'tag' && c.name === 'li';
    if (isItem && walk.boilerplate.drops(c, BLOCK)) continue;
    if (isItem && ordered && c.attribs.value !== undefined) {
      const v = parseInt(c.attribs.value, 10);
      if (Number.isFinite(v)) n = v;
    }
    // A stray non-<li> child (text, or a list nested directly in the list) hangs under the previous item.
    const body = walk.collect(isItem ? c.children : [c], false, '\n', counts);
    if (isItem) {
      if (body.length > 0) lines.push(hang(ordered ? `${n}. ` : '- ', body));
      n += reversed ? -1 : 1;
    } else if (body.length > 0) {
      lines.push(hang('  ', body));
    }
  }
  return lines.join('\n');
}

/**
 * A list used for layout, not enumeration: an item holds a heading, a section, or a container of
 * several blocks (forum threads and comment lists put each post, with its author box and body, in
 * an <li>). It is walked like nested divs, so each post keeps its own paragraphs and is judged on
 * its own. An item with a code block or a quote (docs sites) is still a list item.
 */
export function isLayoutList(el: Element): boolean {
  for (const li of el.children) {
    if (li.type !== 'tag') continue;
    for (const c of li.children) {
      if (c.type !== 'tag') continue;
      const k = tagKind(c.name);
      if (k === HEADING || k === SECTIONING) return true;
      if (k === BLOCK && blockChildren(c) >= 2) return true;
    }
  }
  return false;
}

function blockChildren(el: Element): number {
  let n = 0;
  for (const g of el.children) if (g.type === 'tag' && tagKind(g.name) === BLOCK) n++;
  return n;
}

/** An <ol>'s first number: `start`, else the item count when reversed, else 1. */
function firstNumber(el: Element, reversed: boolean): number {
  const start = el.attribs.start === undefined ? NaN : parseInt(el.attribs.start, 10);
  if (Number.isFinite(start)) return start;
  if (reversed) return el.children.filter((c) => c.type === 'tag' && c.name === 'li').length;
  return 1;
}

/** First line after the marker; the following lines indented by the marker's width. */
function hang(marker: string, body: string): string {
  const pad = ' '.repeat(marker.length);
  const lines = body.split('\n');
  let out = marker + lines[0];
  for (let i = 1; i < lines.length; i++) out += '\n' + (lines[i].length > 0 ? pad + lines[i] : '');
  return out;
}
