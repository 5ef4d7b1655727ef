import { looksLikeTitle, plainToStructuredText } from '../../src/text/plainToText';

describe('plainToStructuredText', () => {
  it('splits paragraphs on blank lines and keeps their inner line breaks', () => {
    const r = plainToStructuredText('First paragraph line one.\nline two.\n\n  \n\nSecond paragraph.\n');
    expect(r).toEqual({
      title: null,
      blocks: [
        { kind: 'paragraph', text: 'First paragraph line one.\nline two.' },
        { kind: 'paragraph', text: 'Second paragraph.' },
      ],
    });
  });

  it('without any blank line (ClueWeb22 Clean-Text), every non-empty line is a paragraph', () => {
    expect(plainToStructuredText('Line one is a sentence.\n  Line two is another.  \nLine three.').blocks).toEqual([
      { kind: 'paragraph', text: 'Line one is a sentence.' },
      { kind: 'paragraph', text: 'Line two is another.' },
      { kind: 'paragraph', text: 'Line three.' },
    ]);
  });

  it('makes no heading when there is no title and the first line is a sentence', () => {
    const r = plainToStructuredText('This is an ordinary sentence.\n\nAnd another one.');
    expect(r.title).toBeNull();
    expect(r.blocks.every((b) => b.kind === 'paragraph')).toBe(true);
  });

  it('a given title becomes the title and a level-1 heading first', () => {
    expect(plainToStructuredText('Body text here.', 'Page  Title')).toEqual({
      title: 'Page Title',
      blocks: [
        { kind: 'heading', level: 1, text: 'Page Title' },
        { kind: 'paragraph', text: 'Body text here.' },
      ],
    });
  });

  it('a first paragraph or first line repeating the given title is dropped', () => {
    expect(plainToStructuredText('page title\nBody one.\nBody two.', 'Page Title').blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Page Title' },
      { kind: 'paragraph', text: 'Body one.' },
      { kind: 'paragraph', text: 'Body two.' },
    ]);
    expect(plainToStructuredText('Page Title\nstill first para\n\nBody.', 'Page Title').blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Page Title' },
      { kind: 'paragraph', text: 'still first para' },
      { kind: 'paragraph', text: 'Body.' },
    ]);
  });

  it('a blank title counts as no title', () => {
    expect(plainToStructuredText('Just one sentence here.', '   ').title).toBeNull();
  });

  it('takes the first line as the title when it looks like one', () => {
    expect(plainToStructuredText('How to Grow Tomatoes at Home\nStart with good soil.\nWater daily.')).toEqual({
      title: 'How to Grow Tomatoes at Home',
      blocks: [
        { kind: 'heading', level: 1, text: 'How to Grow Tomatoes at Home' },
        { kind: 'paragraph', text: 'Start with good soil.' },
        { kind: 'paragraph', text: 'Water daily.' },
      ],
    });
  });

  it('does not take the first line when told not to, or when nothing follows it', () => {
    expect(plainToStructuredText('How to Grow Tomatoes\nBody.', undefined, { titleFromFirstLine: false }).title).toBeNull();
    expect(plainToStructuredText('How to Grow Tomatoes').title).toBeNull();
  });

  it.each([
    ['How do I delete a file?', true],
    ['Chapter 3: Results', true],
    ['Home', false], // one word: navigation more often than a title
    ['This is a sentence.', false],
    ['Introduction:', false],
    ['- a list item here', false],
    ['1. first step of it', false],
    ['12345 67890', false], // no letter
    ['word '.repeat(25).trim(), false], // too many words
  ])('looksLikeTitle(%j) is %s', (line, expected) => {
    expect(looksLikeTitle(line)).toBe(expected);
  });

  it('handles CRLF and a BOM', () => {
    expect(plainToStructuredText('\uFEFFa sentence.\r\n\r\nb sentence.\r\n').blocks).toEqual([
      { kind: 'paragraph', text: 'a sentence.' },
      { kind: 'paragraph', text: 'b sentence.' },
    ]);
  });
});
