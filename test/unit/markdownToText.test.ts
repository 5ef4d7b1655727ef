import type { Block } from '../../src/text/blocks';
import { markdownToStructuredText } from '../../src/text/markdownToText';

const blocks = (md: string): Block[] => markdownToStructuredText(md).blocks;
const md = (...lines: string[]): string => lines.join('\n');

describe('markdownToStructuredText', () => {
  describe('ATX headings', () => {
    it('# to ###### give levels 1 to 6', () => {
      expect(blocks(md('# One', '## Two', '### Three', '#### Four', '##### Five', '###### Six'))).toEqual([
        { kind: 'heading', level: 1, text: 'One' },
        { kind: 'heading', level: 2, text: 'Two' },
        { kind: 'heading', level: 3, text: 'Three' },
        { kind: 'heading', level: 4, text: 'Four' },
        { kind: 'heading', level: 5, text: 'Five' },
        { kind: 'heading', level: 6, text: 'Six' },
      ]);
    });

    it('strips closing hashes and surrounding spaces; allows up to 3 spaces of indent', () => {
      expect(blocks(md('##   Title  ##  ', '   # Indented', '# C# is a language'))).toEqual([
        { kind: 'heading', level: 2, text: 'Title' },
        { kind: 'heading', level: 1, text: 'Indented' },
        { kind: 'heading', level: 1, text: 'C# is a language' },
      ]);
    });

    it('#hashtag, ####### and a 4-space-indented # are not headings', () => {
      expect(blocks(md('#hashtag here', '', '####### seven'))).toEqual([
        { kind: 'paragraph', text: '#hashtag here' },
        { kind: 'paragraph', text: '####### seven' },
      ]);
      expect(blocks('    # code')).toEqual([{ kind: 'code', text: '# code' }]);
    });

    it('an ATX heading interrupts a paragraph', () => {
      expect(blocks(md('text', '## Head', 'more'))).toEqual([
        { kind: 'paragraph', text: 'text' },
        { kind: 'heading', level: 2, text: 'Head' },
        { kind: 'paragraph', text: 'more' },
      ]);
    });
  });

  describe('setext headings', () => {
    it('=== underlines a level-1 heading, --- a level-2 heading', () => {
      expect(blocks(md('Big Title', '=========', '', 'Section', '---', 'Body text.'))).toEqual([
        { kind: 'heading', level: 1, text: 'Big Title' },
        { kind: 'heading', level: 2, text: 'Section' },
        { kind: 'paragraph', text: 'Body text.' },
      ]);
    });

    it('a multi-line paragraph underlined becomes one heading', () => {
      expect(blocks(md('Two line', 'heading', '===='))).toEqual([{ kind: 'heading', level: 1, text: 'Two line heading' }]);
    });

    it('--- after a blank line is a thematic break, not a heading', () => {
      expect(blocks(md('Para one.', '', '---', '', 'Para two.'))).toEqual([
        { kind: 'paragraph', text: 'Para one.' },
        { kind: 'paragraph', text: 'Para two.' },
      ]);
    });
  });

  describe('code', () => {
    it('``` fences keep the code verbatim; headings inside are not headings', () => {
      expect(blocks(md('# Real', '```python', '# not a heading', 'def f():', '', '    return 1', '```', 'after'))).toEqual([
        { kind: 'heading', level: 1, text: 'Real' },
        { kind: 'code', text: '# not a heading\ndef f():\n\n    return 1' },
        { kind: 'paragraph', text: 'after' },
      ]);
    });

    it('~~~ fences work too, and a shorter or different fence does not close them', () => {
      expect(blocks(md('~~~~', '```', '~~~', '## still code', '~~~~'))).toEqual([
        { kind: 'code', text: '```\n~~~\n## still code' },
      ]);
    });

    it('an unclosed fence runs to the end of the document', () => {
      expect(blocks(md('```', '# x', 'y'))).toEqual([{ kind: 'code', text: '# x\ny' }]);
    });

    it('a fence interrupts a paragraph; the fence indentation is removed from the code', () => {
      expect(blocks(md('text', '  ```', '  a', '    b', '  ```'))).toEqual([
        { kind: 'paragraph', text: 'text' },
        { kind: 'code', text: 'a\n  b' },
      ]);
    });

    it('indented code (4 spaces) after a blank line is a code block', () => {
      expect(blocks(md('Intro:', '', '    x = 1', '', '    # comment', '', 'Outro.'))).toEqual([
        { kind: 'paragraph', text: 'Intro:' },
        { kind: 'code', text: 'x = 1\n\n# comment' },
        { kind: 'paragraph', text: 'Outro.' },
      ]);
    });
  });

  describe('lists', () => {
    it('list items are kept as text with their markers, nesting and numbering', () => {
      expect(blocks(md('Steps:', '1. first', '2. second', '   - detail', '3. third', '', '* a', '+ b'))).toEqual([
        { kind: 'paragraph', text: 'Steps:' },
        { kind: 'list', text: '1. first\n2. second\n   - detail\n3. third\n\n* a\n+ b' },
      ]);
    });

    it('a list continues over a blank line before an indented line or another item, and ends at a plain line', () => {
      expect(blocks(md('- one', '', '  continued', '- two', 'lazy line', '', 'Paragraph.'))).toEqual([
        { kind: 'list', text: '- one\n\n  continued\n- two\nlazy line' },
        { kind: 'paragraph', text: 'Paragraph.' },
      ]);
    });

    it('inside a paragraph only an item numbered 1 starts a list', () => {
      expect(blocks(md('It happened in', '2023. It was fine.'))).toEqual([
        { kind: 'paragraph', text: 'It happened in 2023. It was fine.' },
      ]);
      expect(blocks(md('Do this:', '1) go'))).toEqual([
        { kind: 'paragraph', text: 'Do this:' },
        { kind: 'list', text: '1) go' },
      ]);
    });

    it('a heading line ends a list; * * * is a break, not an item', () => {
      expect(blocks(md('- a', '# H', '* * *', '- b'))).toEqual([
        { kind: 'list', text: '- a' },
        { kind: 'heading', level: 1, text: 'H' },
        { kind: 'list', text: '- b' },
      ]);
    });
  });

  describe('paragraphs and quotes', () => {
    it('paragraphs are split on blank lines; soft breaks become spaces, hard breaks stay', () => {
      expect(blocks(md('one', 'two', '', '', 'three  ', 'four\\', 'five'))).toEqual([
        { kind: 'paragraph', text: 'one two' },
        { kind: 'paragraph', text: 'three\nfour\nfive' },
      ]);
    });

    it('> lines become a quote block; a # inside a quote is not a heading', () => {
      expect(blocks(md('> # Quoted', '> first', 'lazy', '>', '> second', '', 'after'))).toEqual([
        { kind: 'quote', text: 'Quoted\n\nfirst lazy\n\nsecond' },
        { kind: 'paragraph', text: 'after' },
      ]);
    });

    it('inline markup is left as is', () => {
      expect(blocks('Some **bold** and [a link](http://x) and `code`.')).toEqual([
        { kind: 'paragraph', text: 'Some **bold** and [a link](http://x) and `code`.' },
      ]);
    });

    it('handles CRLF and a BOM', () => {
      expect(blocks('\uFEFF# T\r\n\r\nbody\r\n')).toEqual([
        { kind: 'heading', level: 1, text: 'T' },
        { kind: 'paragraph', text: 'body' },
      ]);
    });
  });

  describe('title', () => {
    it('is the front matter title (front matter skipped), else the first h1, else null', () => {
      const fm = markdownToStructuredText(md('---', 'title: "Hello World"', 'tags: [a]', '---', '# Heading', 'x'));
      expect(fm.title).toBe('Hello World');
      expect(fm.blocks[0]).toEqual({ kind: 'heading', level: 1, text: 'Heading' });
      expect(markdownToStructuredText(md('## Sub', '# Main', 'x')).title).toBe('Main');
      expect(markdownToStructuredText('just text').title).toBeNull();
    });
  });
});
