/**
 * Hostile HTML: 100,000 nested or unclosed elements must neither overflow the stack (every pass over
 * the DOM recurses only down to the depth cap of src/text/html/depthLimit.ts) nor take quadratic work
 * (htmlparser2's own cost grows with the depth: src/text/html/parse.ts removes the excess tags first).
 * Work is counted (tag look-ups by the DOM passes), not timed.
 */
import { parseDocument } from 'htmlparser2';
import type { ChildNode, ParentNode } from 'domhandler';
import { htmlToStructuredText } from '../../src/text/htmlToText';
import { limitDepth, MAX_DEPTH } from '../../src/text/html/depthLimit';
import { capNesting, MAX_OPEN, parseHtml } from '../../src/text/html/parse';
import * as tags from '../../src/text/html/tags';

const N = 100_000;
const nested = (n: number): string => `${'<div>'.repeat(n)}deep text${'</div>'.repeat(n)}`;
const unclosed = (n: number): string => `<p>start</p>${'<div><span><b>x '.repeat(n)}`;

function depth(root: ParentNode): number {
  let max = 0;
  const stack: Array<[ChildNode, number]> = root.children.map((c) => [c, 1]);
  while (stack.length > 0) {
    const [node, d] = stack.pop()!;
    max = Math.max(max, d);
    if (node.type === 'tag') for (const c of node.children) stack.push([c, d + 1]);
  }
  return max;
}

/** Tag look-ups made converting `html`: the walker and the scorer make one per element they visit. */
function work(html: string): number {
  const spy = jest.spyOn(tags, 'tagKind');
  try {
    htmlToStructuredText(html);
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe('hostile HTML', () => {
  it('100,000 nested divs: no stack overflow, the text is kept', () => {
    expect(htmlToStructuredText(nested(N)).blocks.map((b) => b.text)).toEqual(['deep text']);
  });

  it('100,000 unclosed tags: no stack overflow, the text is kept', () => {
    const text = htmlToStructuredText(unclosed(N), { mainContent: false }).blocks.map((b) => b.text).join(' ');
    expect(text.startsWith('start')).toBe(true);
    expect(text.split('x').length - 1).toBe(N);
  });

  it('the DOM is cut to MAX_DEPTH levels, keeping every text node in document order and scripts out', () => {
    const html = `${'<div>'.repeat(400)}alpha<p>beta</p><script>var gamma;</script>delta${'</div>'.repeat(400)}`;
    const doc = parseDocument(html);
    limitDepth(doc);
    expect(depth(doc)).toBeLessThanOrEqual(MAX_DEPTH + 1);
    expect(htmlToStructuredText(html, { mainContent: false }).blocks.map((b) => b.text).join(' ')).toMatch(/^alpha beta ?delta$/);
  });

  it('a page nested past the parser guard is parsed again without the excess tags, text in order', () => {
    const html = `<p>intro</p>${'<div class="x">'.repeat(MAX_OPEN * 3)}<b>deep</b> text${'</div>'.repeat(MAX_OPEN * 3)}<p>outro</p>`;
    expect(depth(parseHtml(html))).toBeLessThanOrEqual(MAX_OPEN);
    expect(htmlToStructuredText(html, { mainContent: false }).blocks.map((b) => b.text)).toEqual(['intro', 'deep text', 'outro']);
  });

  it('100,000 divs nested inside <noscript> (parsed as markup, not raw text): no error, linear', () => {
    const inNoscript = (n: number): string => `<noscript>${nested(n)}</noscript>`;
    expect(() => htmlToStructuredText(inNoscript(N))).not.toThrow();
    const [small, large] = [work(inNoscript(20_000)), work(inNoscript(40_000))];
    expect(large).toBeLessThanOrEqual(small * 1.05);
  });

  it('capNesting keeps shallow markup as it is and skips tags inside comments, quotes and scripts', () => {
    const shallow = '<div title="a > b"><!-- <div> --><script>if (a<b) "<div>"</script><p>x</p></div>';
    expect(capNesting(shallow, 2)).toBe(shallow);
    expect(capNesting('<div><div><div>x</div></div></div>', 2)).toBe('<div><div>x</div></div>');
  });

  it.each([
    ['nested', nested],
    ['unclosed', unclosed],
  ])('%s elements past the depth cap are removed before the DOM is built: twice the input, no more DOM work', (_name, make) => {
    const [small, large] = [work(make(20_000)), work(make(40_000))];
    expect(large).toBeLessThanOrEqual(small * 1.05);
  });

  it('a page of many sections: twice the input is about twice the work (linear, not quadratic)', () => {
    const section = `<section><h2>Part</h2>${'<div>'.repeat(30)}<p>Some words in a paragraph, with <a href="/x">a link</a>.</p>${'</div>'.repeat(30)}</section>`;
    const [small, large] = [work(section.repeat(2_000)), work(section.repeat(4_000))];
    expect(large / small).toBeGreaterThan(1.8);
    expect(large / small).toBeLessThan(2.2);
  });
});
