import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { PathKey } from './names';

/**
 * The 1-based line of `path` in the parsed YAML, or of its deepest existing ancestor (a missing
 * key points at the mapping that lacks it). For a mapping key, the line of the key itself.
 */
export function lineOf(doc: Document, path: readonly PathKey[], lineCounter: LineCounter): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: unknown } | null)?.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}
