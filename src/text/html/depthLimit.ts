import type { ChildNode, ParentNode } from 'domhandler';
import { SKIP, tagKind } from './tags';

/**
 * Bounds the depth of the DOM so every later pass may recurse: like a browser's parser (Blink caps
 * its tree at 512 levels), whatever sits deeper than MAX_DEPTH is hoisted, in document order, to be
 * children of its ancestor at that depth. Text is kept; only the structure below the cap is lost,
 * which only hostile or broken pages have (100,000 unclosed <div>s). Iterative and linear.
 */
export const MAX_DEPTH = 256;

/** Flattens every subtree below MAX_DEPTH in place. */
export function limitDepth(root: ParentNode): void {
  const stack: Array<[ParentNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth === MAX_DEPTH) {
      flattenInto(node);
      continue;
    }
    for (const c of node.children) if (c.type === 'tag' || c.type === 'root') stack.push([c, depth + 1]);
  }
}

/** Replaces `node`'s children by all its descendants in document order, each emptied of its own. */
function flattenInto(node: ParentNode): void {
  const flat: ChildNode[] = [];
  // Reversed children on a stack give document order; dropped elements (scripts) keep their subtree.
  const stack: ChildNode[] = [...node.children].reverse();
  while (stack.length > 0) {
    const c = stack.pop()!;
    flat.push(c);
    c.parent = node;
    if (c.type !== 'tag' || tagKind(c.name) === SKIP) continue;
    for (let i = c.children.length - 1; i >= 0; i--) stack.push(c.children[i]);
    c.children = [];
  }
  for (let i = 0; i < flat.length; i++) {
    flat[i].prev = flat[i - 1] ?? null;
    flat[i].next = flat[i + 1] ?? null;
  }
  node.children = flat;
}
