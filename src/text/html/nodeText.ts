import type { ChildNode, ParentNode } from 'domhandler';

/**
 * The text under `el` in document order, markup dropped (script and style bodies too). `separator`
 * goes between text nodes: '' keeps text as written (`<b>a</b>b` is "ab"), ' ' keeps the words of
 * adjacent elements apart when only the words matter. Iterative, so a deep tree cannot overflow the stack.
 */
export function nodeText(el: ParentNode, separator = ''): string {
  const parts: string[] = [];
  const stack: ChildNode[] = [...el.children].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text') parts.push(n.data);
    else if (n.type === 'tag' || n.type === 'cdata') {
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
  }
  return parts.join(separator);
}
