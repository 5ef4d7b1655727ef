import type { Block, StructuredText } from '../../src/text/blocks';
import { cutSegments } from '../../src/text/segmenter';

const h = (level: 1 | 2 | 3 | 4 | 5 | 6, text: string): Block => ({ kind: 'heading', level, text });
const p = (text: string): Block => ({ kind: 'paragraph', text });

describe('cutSegments', () => {
  const doc: StructuredText = {
    title: 'Whales of the world',
    blocks: [
      p('Intro before any heading.'),
      h(1, 'Humpback whales'),
      p('About humpbacks.'),
      h(2, 'Song'),
      p('Males sing.'),
      h(3, 'Themes'),
      p('Themes repeat.'),
      h(2, 'Migration'),
      { kind: 'list', text: '1. Feed\n2. Breed' },
      h(1, 'Blue whales'),
      p('The largest animal.'),
    ],
  };

  it('makes every heading at every level a candidate that includes its sub-headings, in document order', () => {
    const segs = cutSegments(doc);
    expect(segs.map((s) => [s.index, s.heading, s.headingPath])).toEqual([
      [0, 'Whales of the world', ['Whales of the world']],
      [1, 'Humpback whales', ['Humpback whales']],
      [2, 'Song', ['Humpback whales', 'Song']],
      [3, 'Themes', ['Humpback whales', 'Song', 'Themes']],
      [4, 'Migration', ['Humpback whales', 'Migration']],
      [5, 'Blue whales', ['Blue whales']],
    ]);
    expect(segs[1].text).toBe(
      'Humpback whales\n\nAbout humpbacks.\n\nSong\n\nMales sing.\n\nThemes\n\nThemes repeat.\n\nMigration\n\n1. Feed\n2. Breed',
    );
    expect(segs[2].text).toBe('Song\n\nMales sing.\n\nThemes\n\nThemes repeat.');
    expect(segs[4].text).toBe('Migration\n\n1. Feed\n2. Breed');
    expect(segs[5].text).toBe('Blue whales\n\nThe largest animal.');
  });

  it('puts text before the first heading under the title, heading line first', () => {
    expect(cutSegments(doc)[0].text).toBe('Whales of the world\n\nIntro before any heading.');
  });

  it('leaves the heading empty when text before the first heading has no title to sit under', () => {
    const [lead] = cutSegments({ title: null, blocks: [p('Orphan text.'), h(2, 'A')] });
    expect(lead).toMatchObject({ index: 0, heading: '', headingPath: [], text: 'Orphan text.' });
  });

  it('makes no lead candidate when the document starts with a heading, nor for a title alone', () => {
    expect(cutSegments({ title: 'T', blocks: [h(1, 'A'), p('x')] }).map((s) => s.heading)).toEqual(['A']);
    expect(cutSegments({ title: 'T', blocks: [] })).toEqual([]);
  });

  it('handles skipped levels and a deeper heading before a shallower one', () => {
    const segs = cutSegments({ title: null, blocks: [h(3, 'Deep'), p('d'), h(1, 'Top'), p('t'), h(4, 'Skip'), p('s')] });
    expect(segs.map((s) => s.headingPath)).toEqual([['Deep'], ['Top'], ['Top', 'Skip']]);
    expect(segs[0].text).toBe('Deep\n\nd'); // the later h1 closes the h3 section
    expect(segs[1].text).toBe('Top\n\nt\n\nSkip\n\ns');
  });

  it('cleans headings to one line, drops empty blocks, keeps code layout and excludes code from prose', () => {
    const segs = cutSegments({
      title: null,
      blocks: [h(2, '  Install\n  it  '), p('   '), { kind: 'code', text: '\n$ pip install x\n  --user\n\n' }, p('Then run it.')],
    });
    expect(segs).toHaveLength(1);
    expect(segs[0].heading).toBe('Install it');
    expect(segs[0].text).toBe('Install it\n\n$ pip install x\n  --user\n\nThen run it.');
    expect(segs[0].prose).toBe('Install it\n\nThen run it.');
  });

  it('keeps an empty heading as a candidate (the filters drop and count it)', () => {
    const segs = cutSegments({ title: null, blocks: [h(2, ' '), p('body')] });
    expect(segs).toEqual([{ index: 0, heading: '', headingPath: [''], text: 'body', prose: 'body' }]);
  });
});
