import fs from 'node:fs';
import path from 'node:path';
import type { Block } from '../../src/text/blocks';
import { htmlToStructuredText } from '../../src/text/htmlToText';

// The rendering rules, on the whole fragment: main-text extraction has its own tests (mainText.test.ts).
const blocks = (html: string, options?: Parameters<typeof htmlToStructuredText>[1]): Block[] =>
  htmlToStructuredText(html, { mainContent: false, ...options }).blocks;
const texts = (html: string): string[] => blocks(html).map((b) => b.text);
const allText = (html: string): string => texts(html).join('\n');

describe('htmlToStructuredText', () => {
  describe('title and headings', () => {
    it('takes the title from <title>, collapsed, and does not make it a block', () => {
      const r = htmlToStructuredText('<html><head><title>  My\n  Page </title></head><body><p>x</p></body></html>');
      expect(r.title).toBe('My Page');
      expect(r.blocks).toEqual([{ kind: 'paragraph', text: 'x' }]);
    });

    it('title is null without <title>', () => {
      expect(htmlToStructuredText('<p>x</p>').title).toBeNull();
    });

    it('keeps h1-h6 as heading blocks with their level, trimmed and collapsed', () => {
      const html = [1, 2, 3, 4, 5, 6].map((n) => `<h${n}>\n  Level   ${n}\n</h${n}>`).join('');
      expect(blocks(html)).toEqual(
        [1, 2, 3, 4, 5, 6].map((n) => ({ kind: 'heading', level: n, text: `Level ${n}` })),
      );
    });

    it('flattens markup inside a heading and drops permalink anchors', () => {
      const html =
        '<h2><a class="toc-backref" href="#id3">General <em>Information</em></a>' +
        '<a class="headerlink" href="#general" title="Permalink">¶</a></h2>' +
        '<h3>Other<a href="#other">#</a></h3>';
      expect(blocks(html)).toEqual([
        { kind: 'heading', level: 2, text: 'General Information' },
        { kind: 'heading', level: 3, text: 'Other' },
      ]);
    });

    it('a heading made of a link is not dropped as link-dense', () => {
      expect(blocks('<h2><a href="/x">All links</a></h2>')).toEqual([{ kind: 'heading', level: 2, text: 'All links' }]);
    });

    it('block elements inside a heading do not split it', () => {
      expect(blocks('<h1><div>Part</div><div>two</div></h1>')).toEqual([{ kind: 'heading', level: 1, text: 'Part two' }]);
    });
  });

  describe('paragraphs and inline text', () => {
    it('each <p> is a paragraph, whitespace collapsed', () => {
      expect(blocks('<p>One\n   two</p><p>\tThree </p>')).toEqual([
        { kind: 'paragraph', text: 'One two' },
        { kind: 'paragraph', text: 'Three' },
      ]);
    });

    it('inline elements join like a browser: source spaces kept, none invented, none lost', () => {
      expect(texts('<p>Hello <b>big</b> <i>world</i>, un<b>break</b>able <a href="#">link</a>.</p>')).toEqual([
        'Hello big world, unbreakable link.',
      ]);
      expect(texts('<p>a<span> b </span>c</p>')).toEqual(['a b c']);
    });

    it('unknown (custom) elements never glue words, and add no space before punctuation', () => {
      expect(texts('<p><x-a>one</x-a><x-b>two</x-b><x-c>, three</x-c><x-d>.</x-d></p>')).toEqual(['one two, three.']);
    });

    it('text in div-soup without <p> still comes out as separate paragraphs', () => {
      expect(texts('<div>First<div>Second</div>Third<section>Fourth</section><article>Fifth</article></div>')).toEqual([
        'First',
        'Second',
        'Third',
        'Fourth',
        'Fifth',
      ]);
      expect(texts('<div><span>a</span></div><div><span>b</span></div><main>c</main>')).toEqual(['a', 'b', 'c']);
    });

    it('dl/dt/dd are block boundaries', () => {
      expect(texts('<dl><dt>term</dt><dd>definition</dd></dl>')).toEqual(['term', 'definition']);
    });

    it('<br> is a newline inside a block', () => {
      expect(texts('<p>line one<br>line two<br/>  line three</p>')).toEqual(['line one\nline two\nline three']);
    });

    it('ruby annotations (furigana) are a reading aid, not part of the sentence', () => {
      expect(texts('<p><ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>どもを<ruby>守<rt>まも</rt></ruby>る</p>')).toEqual(['子どもを守る']);
    });

    it('decodes entities', () => {
      expect(texts('<p>a &amp; b &lt;c&gt; &#8212; d&nbsp;e &eacute;</p>')).toEqual(['a & b <c> — d e é']);
    });
  });

  describe('lists', () => {
    it('<ul> items are rendered with "- "', () => {
      expect(blocks('<ul><li>apple</li><li><p>banana</p></li></ul>')).toEqual([
        { kind: 'list', text: '- apple\n- banana' },
      ]);
    });

    it('<ol> items are numbered from 1, or from `start`', () => {
      expect(texts('<ol><li>a</li><li>b</li></ol>')).toEqual(['1. a\n2. b']);
      expect(texts('<ol start="7"><li>a</li><li>b</li></ol>')).toEqual(['7. a\n8. b']);
    });

    it('honours <li value> and `reversed`', () => {
      expect(texts('<ol><li>a</li><li value="10">b</li><li>c</li></ol>')).toEqual(['1. a\n10. b\n11. c']);
      expect(texts('<ol reversed><li>a</li><li>b</li><li>c</li></ol>')).toEqual(['3. a\n2. b\n1. c']);
    });

    it('nested lists are indented under their item', () => {
      const html = '<ul><li>fruit<ol><li>apple</li><li>pear<ul><li>green</li></ul></li></ol></li><li>veg</li></ul>';
      expect(texts(html)).toEqual(['- fruit\n  1. apple\n  2. pear\n     - green\n- veg']);
    });

    it('a second paragraph of an item is indented under it', () => {
      expect(texts('<ol><li><p>first</p><p>more</p></li></ol>')).toEqual(['1. first\n   more']);
    });
  });

  describe('code', () => {
    it('<pre> is kept verbatim (indentation, blank lines, spans) as a code block', () => {
      const html =
        '<p>Example:</p><div class="highlight"><pre><span></span>' +
        '<span class="k">def</span> <span class="nf">f</span>(x):\n    if x &lt; 1:\n\n        return   x\n</pre></div>';
      expect(blocks(html)).toEqual([
        { kind: 'paragraph', text: 'Example:' },
        { kind: 'code', text: 'def f(x):\n    if x < 1:\n\n        return   x' },
      ]);
    });

    it('a leading newline after <pre> is not part of the code', () => {
      expect(texts('<pre>\n  indented\n</pre>')).toEqual(['  indented']);
    });

    it('a standalone multi-line <code> is a code block; inline <code> stays in the sentence', () => {
      expect(blocks('<div><code>a = 1\nb = 2</code></div><p>Call <code>f()</code> now.</p>')).toEqual([
        { kind: 'code', text: 'a = 1\nb = 2' },
        { kind: 'paragraph', text: 'Call f() now.' },
      ]);
    });
  });

  describe('tables and quotes', () => {
    it('a simple table becomes rows of cells joined by " | ", caption first', () => {
      const html =
        '<table><caption>Ops</caption><thead><tr><th>Operation</th><th>Result</th></tr></thead>' +
        '<tbody><tr><td><p>x <b>or</b> y</p></td><td>if x is false, then y</td></tr>' +
        '<tr><td>not x</td><td></td></tr></tbody></table>';
      expect(blocks(html)).toEqual([
        { kind: 'table', text: 'Ops\nOperation | Result\nx or y | if x is false, then y\nnot x |' },
      ]);
    });

    it('a layout table (nested table or heading inside) is read as blocks, not rows', () => {
      const html =
        '<table><tr><td><h2>Title</h2><p>Body text.</p></td><td><table><tr><td>a</td><td>b</td></tr></table></td></tr></table>';
      expect(blocks(html)).toEqual([
        { kind: 'heading', level: 2, text: 'Title' },
        { kind: 'paragraph', text: 'Body text.' },
        { kind: 'table', text: 'a | b' },
      ]);
    });

    it('<blockquote> becomes one quote block', () => {
      expect(blocks('<p>He said:</p><blockquote><p>To be.</p><p>Or not.</p></blockquote>')).toEqual([
        { kind: 'paragraph', text: 'He said:' },
        { kind: 'quote', text: 'To be.\n\nOr not.' },
      ]);
    });
  });

  describe('dropped content', () => {
    const dropped: [string, string][] = [
      ['script', '<script>var x = "JUNK";</script>'],
      ['style', '<style>.a { content: "JUNK" }</style>'],
      ['noscript', '<noscript>JUNK</noscript>'],
      ['template', '<template><p>JUNK</p></template>'],
      ['svg', '<svg><text>JUNK</text><title>JUNK</title></svg>'],
      ['nav', '<nav><p>JUNK words here</p></nav>'],
      ['page-level header', '<header><p>JUNK words here</p></header>'],
      ['footer', '<footer><p>JUNK words here</p></footer>'],
      ['aside', '<aside><p>JUNK words here</p></aside>'],
      ['input/button/select/textarea', '<input value="JUNK"><button>JUNK</button><select><option>JUNK</option></select><textarea>JUNK</textarea>'],
      ['iframe', '<iframe>JUNK</iframe>'],
      ['hidden attribute', '<div hidden><p>JUNK</p></div>'],
      ['aria-hidden', '<p aria-hidden="true">JUNK</p>'],
      ['display:none', '<div style="color: red; display : none"><p>JUNK</p></div>'],
      ['visibility:hidden', '<p style="visibility:hidden">JUNK</p>'],
      ['role=navigation', '<div role="navigation"><p>JUNK words</p></div>'],
      ['boilerplate class', '<div class="x sidebar"><p>JUNK words</p></div>'],
      ['boilerplate id', '<div id="breadcrumbs"><p>JUNK words</p></div>'],
    ];
    it.each(dropped)('drops %s', (_name, html) => {
      const out = htmlToStructuredText(`<html><body><p>keep me</p>${html}<p>and me</p></body></html>`, { mainContent: false });
      expect(out.blocks.map((b) => b.text)).toEqual(['keep me', 'and me']);
    });

    it('keeps a <header> scoped to an article (it carries the article heading)', () => {
      expect(texts('<header>SITE BANNER</header><article><header><h1>Post</h1></header><p>Body.</p></article>')).toEqual([
        'Post',
        'Body.',
      ]);
    });

    it('class and id names are cut into words (footer-wrap, comment_list, relatedPosts); whole words only', () => {
      expect(texts('<div class="footer-wrap">f</div><div id="comment_list">c</div><div class="relatedPosts">r</div><p>x</p>')).toEqual(['x']);
      expect(texts('<div class="menuitem">kept</div><div class="commentary">also kept</div>')).toEqual(['kept', 'also kept']);
    });

    it('a name describing the page or a layout wrapper is not chrome; <body> never is', () => {
      expect(texts('<body class="sidebar"><div class="has-sidebar">a</div><div class="content-sidebar-wrap">b</div><div class="tag-social-media">c</div></body>')).toEqual(['a', 'b', 'c']);
    });

    it('boilerplate tokens are configurable', () => {
      expect(texts('<div class="promo-box">gone</div><div class="teaser">kept</div>')).toEqual(['kept']);
      expect(blocks('<div class="teaser">gone</div><p>x</p>', { boilerplateTokens: ['teaser'] })).toEqual([{ kind: 'paragraph', text: 'x' }]);
      expect(blocks('<div class="sidebar">kept</div>', { boilerplateTokens: [] })).toEqual([{ kind: 'paragraph', text: 'kept' }]);
    });
  });

  describe('link density', () => {
    it('drops a paragraph that is mostly link text (breadcrumbs)', () => {
      expect(texts('<p>Real sentence here.</p><div><a href="/">Home</a> » <a href="/docs">Docs</a> » <a href="/x">X</a></div>')).toEqual([
        'Real sentence here.',
      ]);
    });

    it('judges a list as a whole: a menu goes, a list with one link stays', () => {
      const menu = '<ul><li><a href="/a">About us</a></li><li><a href="/b">Blog</a></li><li><a href="/c">Contact</a></li></ul>';
      const content = '<ul><li>Install the package first</li><li>Then read <a href="/d">the docs</a></li></ul>';
      expect(blocks(menu + content)).toEqual([
        { kind: 'list', text: '- Install the package first\n- Then read the docs' },
      ]);
    });

    it('keeps a sentence with a link below the threshold; <a> without href is not a link', () => {
      expect(texts('<p>See <a href="/x">the manual</a> for all the details you need.</p>')).toEqual([
        'See the manual for all the details you need.',
      ]);
      expect(texts('<p><a name="top">Anchored text only</a></p>')).toEqual(['Anchored text only']);
    });

    it('the threshold is configurable', () => {
      const html = '<p>Read <a href="/x">this long link text</a> now</p>'; // link share 19/26 = 0.73
      expect(blocks(html)).toEqual([]);
      expect(blocks(html, { maxLinkDensity: 0.8 })).toEqual([{ kind: 'paragraph', text: 'Read this long link text now' }]);
      expect(blocks('<p>Read <a href="/x">me</a> now please</p>', { maxLinkDensity: 0.1 })).toEqual([]);
    });
  });

  describe('a real page (samples/corpus/faq/installed.html, Python 3.11 docs)', () => {
    const html = fs.readFileSync(path.join(__dirname, '../../samples/corpus/faq/installed.html'), 'utf8');
    const r = htmlToStructuredText(html);

    it('has the title, the heading hierarchy and no page chrome', () => {
      expect(r.title).toBe('“Why is Python Installed on my Computer?” FAQ — Python 3.11.2 documentation');
      expect(r.blocks.filter((b) => b.kind === 'heading')).toEqual([
        { kind: 'heading', level: 1, text: '“Why is Python Installed on my Computer?” FAQ' },
        { kind: 'heading', level: 2, text: 'What is Python?' },
        { kind: 'heading', level: 2, text: 'Why is Python installed on my machine?' },
        { kind: 'heading', level: 2, text: 'Can I delete Python?' },
      ]);
      const text = r.blocks.map((b) => b.text).join('\n');
      for (const chrome of ['Table of Contents', 'Previous topic', 'Navigation', 'Quick search', 'Copyright', 'Sphinx', '¶']) {
        expect(text).not.toContain(chrome);
      }
    });

    it('keeps the list and the paragraphs in reading order', () => {
      expect(r.blocks[0]).toEqual({ kind: 'heading', level: 1, text: '“Why is Python Installed on my Computer?” FAQ' });
      const list = r.blocks.find((b) => b.kind === 'list');
      expect(list?.text.split('\n')).toHaveLength(4);
      expect(list?.text.startsWith('- Perhaps another user on the computer wanted to learn programming')).toBe(true);
      expect(r.blocks[r.blocks.length - 1]?.text).toBe(
        'If Python came with your operating system, removing it is not recommended. If you remove it, whatever tools ' +
          'were written in Python will no longer run, and some of them might be important to you. Reinstalling the ' +
          'whole system would then be required to fix things again.',
      );
    });

    it('keeps interactive code examples verbatim (tutorial/controlflow.html)', () => {
      const page = fs.readFileSync(path.join(__dirname, '../../samples/corpus/tutorial/controlflow.html'), 'utf8');
      const code = htmlToStructuredText(page).blocks.filter((b) => b.kind === 'code');
      expect(code[0]?.text).toBe(
        [
          '>>> x = int(input("Please enter an integer: "))',
          'Please enter an integer: 42',
          '>>> if x < 0:',
          '...     x = 0',
          "...     print('Negative changed to zero')",
          '... elif x == 0:',
          "...     print('Zero')",
          '... elif x == 1:',
          "...     print('Single')",
          '... else:',
          "...     print('More')",
          '...',
          'More',
        ].join('\n'),
      );
    });
  });

  it('never throws on broken markup', () => {
    expect(() => htmlToStructuredText('<div><p>unclosed <b>bold <ul><li>x</div></td></table><<>>&bogus;')).not.toThrow();
    expect(allText('<p>unclosed <b>bold')).toBe('unclosed bold');
  });
});
