import type { ParentNode } from 'domhandler';
import type { Block } from '../blocks';
import { jsonLdArticleBody } from './jsonLd';
import { parseHtml } from './parse';

/**
 * A second look at a page whose main text came out thin (under THIN_CHARS characters outside
 * headings): an empty or one-line result is rarely all the page has to say. Where the text hides:
 * 1. in what the first look left out on purpose: <noscript> (pages that render the article by
 *    script keep a copy there), a <nav>/<aside>/<header role="banner"> a theme left unclosed around
 *    the article (./boilerplate.ts `landmarkWrappers`), captions (a gallery's text is its captions).
 *    The main text is found again with those in;
 * 2. in the schema.org JSON-LD `articleBody` (./jsonLd.ts), for pages that render it by script only;
 * 3. in short lines the scorer does not count as prose (link rolls, data sheets, recipe cards): the
 *    whole page minus its chrome;
 * 4. in comments, when all that came out is nothing: a forum thread's text is its posts. A short
 *    post with a long thread under it keeps its few lines, not the thread (comments stay an option).
 * The first that is not thin wins; else the longest. Measured on the eval set (bench/extract.ts):
 * 25 more snippets found (dev 18, held-out 7), 1 more false positive, no empty output left (was 4).
 * THIN_CHARS 100 / 150 / 200 / 250 / 400 gave dev F 0.935 / 0.936 / 0.936 / 0.935 / 0.934 (precision
 * 0.932 / 0.932 / 0.929 / 0.928 / 0.925): the longer, the more a short page's sidebar comes in.
 */
const THIN_CHARS = 150;

/** What a look lets in: `first` the options' choice, `second` also what 1. above lists, `last` comments too (4.). */
export type Look = 'first' | 'second' | 'last';

/** Converts a subtree to blocks: its main text (`main`) or all of it minus chrome (`page`). */
export type Convert = (root: ParentNode, scope: 'main' | 'page', look: Look) => Block[];

const bodyChars = (blocks: readonly Block[]): number => blocks.reduce((n, b) => (b.kind === 'heading' ? n : n + b.text.length), 0);

/** `blocks` when they are not thin, else the best of the second look at `doc` (which it may change: <noscript> becomes <div>). */
export function thickenThinText(blocks: Block[], doc: ParentNode, convert: Convert): Block[] {
  let best = blocks;
  let chars = bodyChars(blocks);
  /** Keeps `next` when it has more text; true once the text is no longer thin. */
  const offer = (next: Block[]): boolean => {
    const n = bodyChars(next);
    if (n > chars) {
      best = next;
      chars = n;
    }
    return chars >= THIN_CHARS;
  };
  if (chars >= THIN_CHARS) return blocks;
  revealNoscript(doc);
  if (offer(convert(doc, 'main', 'second'))) return best;
  const body = jsonLdArticleBody(doc);
  if (body !== null && offer(body.includes('<') ? convert(parseHtml(body), 'page', 'first') : paragraphs(body))) return best;
  if (offer(convert(doc, 'page', 'second')) || chars > 0) return best;
  offer(convert(doc, 'main', 'last'));
  return best;
}

/** Turns every <noscript> into a <div>: its content is then weighed and walked like the rest. */
function revealNoscript(root: ParentNode): void {
  const stack: ParentNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const c of n.children) {
      if (c.type !== 'tag') continue;
      if (c.name === 'noscript') c.name = 'div';
      stack.push(c);
    }
  }
}

/** Plain text (JSON-LD bodies are mostly plain) as paragraphs, one per line. */
function paragraphs(text: string): Block[] {
  const out: Block[] = [];
  for (const line of text.split(/\n+/)) {
    const t = line.replace(/\s+/g, ' ').trim();
    if (t.length > 0) out.push({ kind: 'paragraph', text: t });
  }
  return out;
}
