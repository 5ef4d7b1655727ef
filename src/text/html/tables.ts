import type { Element, ParentNode } from 'domhandler';
import type { LinkCounts } from './linkDensity';
import { BLOCK, HEADING, TABLE, tagKind } from './tags';
import type { SubtreeWalker } from './renderers';

/**
 * A data table becomes one block: caption first, then one line per row with cells joined by ` | `.
 * A layout table is walked like nested divs instead, since its cells are page regions, not data.
 */

/** Marked role="presentation", or holding a nested table or a heading (data tables hold neither). */
export function isLayoutTable(table: Element): boolean {
  if (table.attribs.role === 'presentation') return true;
  const stack = [...table.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type !== 'tag') continue;
    const k = tagKind(n.name);
    if (k === TABLE || k === HEADING) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

/** The table's text, one row per line; adds the cells' link counts to `counts`. */
export function tableText(table: Element, counts: LinkCounts, walk: SubtreeWalker): string {
  const rows: string[] = [];
  addRows(table, walk, counts, rows);
  return rows.join('\n');
}

function addRows(parent: ParentNode, walk: SubtreeWalker, counts: LinkCounts, rows: string[]): void {
  for (const c of parent.children) {
    if (c.type !== 'tag' || walk.boilerplate.drops(c, BLOCK)) continue;
    if (c.name === 'tr') {
      const cells: string[] = [];
      for (const cell of c.children) {
        if (cell.type !== 'tag' || (cell.name !== 'td' && cell.name !== 'th')) continue;
        if (walk.boilerplate.drops(cell, BLOCK)) continue;
        cells.push(cellText(cell, walk, counts));
      }
      if (cells.some((t) => t.length > 0)) rows.push(cells.join(' | ').trimEnd());
    } else if (c.name === 'caption') {
      const t = cellText(c, walk, counts);
      if (t.length > 0) rows.push(t);
    } else if (c.name === 'thead' || c.name === 'tbody' || c.name === 'tfoot') {
      addRows(c, walk, counts, rows);
    }
  }
}

/** A cell (or caption) on one line: its block elements become spaces. */
function cellText(cell: Element, walk: SubtreeWalker, counts: LinkCounts): string {
  return walk.collect(cell.children, true, ' ', counts);
}
