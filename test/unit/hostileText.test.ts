/**
 * Text from the crawl is hostile input too: megabyte runs of spaces, hashes or punctuation once made
 * regexes here backtrack quadratically (a 40 kB run took 0.7 s; 1 MB would hold a stage for minutes).
 * Each case below is such a run; it must come out right, in one pass.
 */
import { markdownToStructuredText } from '../../src/text/markdownToText';
import { naturalWords } from '../../src/text/language';
import { cutSegments } from '../../src/text/segmenter';

const RUN = 1_000_000;

describe('text functions on megabyte runs (linear, not backtracking)', () => {
  it('the segmenter keeps inner whitespace and trims the end of a block', () => {
    const text = `start${' '.repeat(RUN)}end  \n  `;
    const [segment] = cutSegments({ title: 'T', blocks: [{ kind: 'paragraph', text }] });
    expect(segment.text.endsWith(`start${' '.repeat(RUN)}end`)).toBe(true);
  });

  it('a Markdown heading with a long run of spaces or hashes before its text keeps the text', () => {
    const blocks = markdownToStructuredText(`# Title${' '.repeat(RUN)}x\n\n## ${'#'.repeat(RUN)}y\n\n### Closed ${'#'.repeat(RUN)}`).blocks;
    expect(blocks.map((b) => [b.kind, b.text.slice(0, 5), b.text.slice(-1), b.text.length])).toEqual([
      ['heading', 'Title', 'x', 5 + RUN + 1],
      ['heading', '#####', 'y', RUN + 1],
      ['heading', 'Close', 'd', 'Closed'.length],
    ]);
  });

  it('a Markdown paragraph line ending in text after a long run of spaces is no hard break', () => {
    const [para] = markdownToStructuredText(`a${' '.repeat(RUN)}b\nc`).blocks;
    expect(para).toMatchObject({ kind: 'paragraph' });
    expect(para.text.endsWith('b c')).toBe(true);
  });

  it('a token of a megabyte of punctuation around a word is that word', () => {
    expect(naturalWords(`${'!'.repeat(RUN)}word${'?'.repeat(RUN)}a and more`)).toEqual(['and', 'more']);
    expect(naturalWords(`${'!'.repeat(RUN)}word${'?'.repeat(RUN)} and more`)).toEqual(['word', 'and', 'more']);
  });
});
