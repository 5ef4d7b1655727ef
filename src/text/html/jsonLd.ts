import type { ChildNode, ParentNode } from 'domhandler';

/**
 * The article body a page declares in its schema.org JSON-LD (`<script type="application/ld+json">`
 * with an `articleBody`, as news sites publish for search engines): the text of pages that render
 * their article by script, or keep it where no visible element does. Read only when the visible main
 * text came out thin (../htmlToText.ts). Scripts that are not valid JSON are skipped.
 */

/** The longest `articleBody` string in the page's JSON-LD, or null. */
export function jsonLdArticleBody(doc: ParentNode): string | null {
  let best: string | null = null;
  const stack: ChildNode[] = [...doc.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'script') {
      if (n.attribs.type?.trim().toLowerCase() !== 'application/ld+json') continue;
      for (const body of articleBodies(parse(scriptText(n.children)))) if (best === null || body.length > best.length) best = body;
    } else if (n.type === 'tag') {
      for (const c of n.children) stack.push(c);
    }
  }
  return best;
}

function scriptText(kids: readonly ChildNode[]): string {
  return kids.map((k) => (k.type === 'text' ? k.data : '')).join('');
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}

/** Every `articleBody` string anywhere in the value (top level, `@graph`, nested `mainEntity`). */
function articleBodies(root: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'articleBody' && typeof x === 'string') out.push(x);
        else stack.push(x);
      }
    }
  }
  return out;
}
