import type { ParentNode } from 'domhandler';
import { isHeaderLink, isHidden } from './boilerplate';
import type { Sink } from './inline';
import type { LinkCounts } from './linkDensity';
import { ANCHOR, SKIP, tagKind } from './tags';

/**
 * Code (<pre>, or a multi-line <code> standing alone) keeps its whitespace: its text is taken
 * verbatim rather than through inline assembly, then only tidied at the ends.
 */

/** The code block text of a <pre>. */
export function preText(el: ParentNode, counts: LinkCounts): string {
  return tidyCode(verbatimText(el, counts));
}

/** Emits a <code> whose text spans lines as a code block; false (nothing emitted) when it is one line (inline code). */
export function emitCodeBlock(el: ParentNode, sink: Sink): boolean {
  const counts = { chars: 0, linkChars: 0 };
  const raw = verbatimText(el, counts);
  if (raw.trim().indexOf('\n') < 0) return false;
  sink.emit('code', tidyCode(raw), counts);
  return true;
}

/** Verbatim text of a <pre>/<code> subtree; <br> becomes a newline; hidden parts and permalinks are left out. */
function verbatimText(el: ParentNode, counts: LinkCounts, inLink = false): string {
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
      if (isHidden(a)) continue;
      const kind = tagKind(c.name);
      if (kind === SKIP) continue;
      if (kind === ANCHOR && isHeaderLink(a)) continue;
      out += verbatimText(c, counts, inLink || (kind === ANCHOR && a.href !== undefined));
    } else if (c.type === 'cdata') {
      out += verbatimText(c, counts, inLink);
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
