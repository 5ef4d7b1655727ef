import {
  allCapsHeadingRule,
  capitalisationRule,
  DEFAULT_NAVIGATION_HEADINGS,
  duplicateInDocumentRule,
  emptyHeadingRule,
  languageRule,
  lengthRule,
  navigationHeadingRule,
  navigationSet,
  repeatedSentencePairs,
  repeatedSentencesRule,
  splitSentences,
  type DropReason,
} from '../../src/text/filters';
import { detectLanguage, naturalWords, toLanguageCode } from '../../src/text/language';
import { codePointLength, normalizeText, segmentId } from '../../src/text/normalize';

const ENGLISH =
  'Humpback whales migrate thousands of kilometres every year between cold feeding grounds and warm breeding waters. ' +
  'During the summer they eat krill and small fish, often hunting together with nets of bubbles. ' +
  'In winter they travel to tropical seas, where calves are born and nursed for almost a year. ' +
  'Males produce long and complex songs that can be heard across great distances under water. ' +
  'Researchers record these songs with hydrophones and compare how the themes change between seasons.';
const GERMAN =
  'Buckelwale wandern jedes Jahr tausende Kilometer zwischen kalten Futtergründen und warmen Gewässern. ' +
  'Im Sommer fressen sie Krill und kleine Fische und jagen oft gemeinsam mit Netzen aus Luftblasen. ' +
  'Im Winter ziehen sie in tropische Meere, wo die Kälber geboren und fast ein Jahr lang gesäugt werden.';

const NAV = navigationSet(DEFAULT_NAVIGATION_HEADINGS);
const EN = new Set(['eng']);

interface Case {
  rule: string;
  kept: () => DropReason | null;
  dropped: () => DropReason | null;
  reason: DropReason;
}

const cases: Case[] = [
  { rule: 'length (short)', kept: () => lengthRule(600), dropped: () => lengthRule(599), reason: 'too-short' },
  { rule: 'length (long)', kept: () => lengthRule(3000), dropped: () => lengthRule(3001), reason: 'too-long' },
  { rule: 'length (configured)', kept: () => lengthRule(150, 100, 200), dropped: () => lengthRule(99, 100, 200), reason: 'too-short' },
  { rule: 'empty heading', kept: () => emptyHeadingRule('Song'), dropped: () => emptyHeadingRule(' – '), reason: 'empty-heading' },
  { rule: 'all-caps heading', kept: () => allCapsHeadingRule('Song of the whale'), dropped: () => allCapsHeadingRule('FREE EBOOK'), reason: 'all-caps-heading' },
  { rule: 'all-caps spares one letter', kept: () => allCapsHeadingRule('A'), dropped: () => allCapsHeadingRule('FAQ 2'), reason: 'all-caps-heading' },
  { rule: 'navigation heading', kept: () => navigationHeadingRule('Forum etiquette', NAV), dropped: () => navigationHeadingRule('Quick Links', NAV), reason: 'navigation-heading' },
  { rule: 'navigation heading (paper list)', kept: () => navigationHeadingRule('Advertising law', NAV), dropped: () => navigationHeadingRule('Advertisement', NAV), reason: 'navigation-heading' },
  { rule: 'navigation heading (counts, punctuation)', kept: () => navigationHeadingRule('Comments on the proposal', NAV), dropped: () => navigationHeadingRule('Comments (12):', NAV), reason: 'navigation-heading' },
  { rule: 'navigation heading (configured)', kept: () => navigationHeadingRule('Menu', navigationSet(['sidebar'])), dropped: () => navigationHeadingRule('SideBar', navigationSet(['sidebar'])), reason: 'navigation-heading' },
  { rule: 'odd capitalisation', kept: () => capitalisationRule('How To Read A Whale Song'), dropped: () => capitalisationRule('FREE eBOOK NOW'), reason: 'odd-capitalisation' },
  { rule: 'odd capitalisation (bounds)', kept: () => capitalisationRule('whale song', { min: 0, max: 1, minLetters: 4 }), dropped: () => capitalisationRule('whale song', { min: 0.05, max: 1, minLetters: 4 }), reason: 'odd-capitalisation' },
  {
    rule: 'repeated sentences',
    kept: () => repeatedSentencesRule(ENGLISH),
    dropped: () => repeatedSentencesRule(`${ENGLISH} Click here to subscribe to our free weekly newsletter about whales and dolphins today. Click here to subscribe to our free weekly newsletter about whales and dolphins now.`),
    reason: 'repeated-sentences',
  },
  { rule: 'language', kept: () => languageRule(detectLanguage(ENGLISH, EN), EN), dropped: () => languageRule(detectLanguage(GERMAN, EN), EN), reason: 'wrong-language' },
  { rule: 'language (configured)', kept: () => languageRule(detectLanguage(GERMAN), new Set(['deu'])), dropped: () => languageRule(detectLanguage(ENGLISH), new Set(['deu'])), reason: 'wrong-language' },
  { rule: 'language (none detectable)', kept: () => languageRule(null, new Set()), dropped: () => languageRule(detectLanguage('x = 1; y_2 = f(x)', EN), EN), reason: 'wrong-language' },
  {
    rule: 'duplicate in document',
    kept: () => duplicateInDocumentRule(segmentId('Other text'), new Set([segmentId('Some text')])),
    dropped: () => duplicateInDocumentRule(segmentId('some   TEXT!'), new Set([segmentId('Some text')])),
    reason: 'duplicate-in-document',
  },
];

describe.each(cases)('$rule', ({ kept, dropped, reason }) => {
  it('keeps the good example', () => expect(kept()).toBeNull());
  it(`drops the bad example as ${reason}`, () => expect(dropped()).toBe(reason));
});

describe('repeated sentences in detail', () => {
  it('counts pairs at or above the threshold and ignores sentences shorter than the n-gram', () => {
    const text = 'The whale sang a long song today. The whale sang a long song today! Yes. Yes. A different sentence about krill here.';
    expect(splitSentences(text)).toHaveLength(5);
    expect(repeatedSentencePairs(text)).toBe(1);
    expect(repeatedSentencePairs(text, { ngram: 1, threshold: 0.8, maxPairs: 0, maxSentences: 200 })).toBe(2); // "Yes." counts now
    expect(repeatedSentencesRule(text, { ngram: 3, threshold: 0.8, maxPairs: 1, maxSentences: 200 })).toBeNull();
  });

  it('compares only the first maxSentences sentences', () => {
    const text = `${ENGLISH}\nThe whale sang a long song today.\nThe whale sang a long song today.`;
    expect(repeatedSentencePairs(text, { ngram: 3, threshold: 0.8, maxPairs: 0, maxSentences: 5 })).toBe(0);
    expect(repeatedSentencePairs(text, { ngram: 3, threshold: 0.8, maxPairs: 0, maxSentences: 7 })).toBe(1);
  });
});

describe('navigation-heading families', () => {
  it.each([
    ['related', 'Related Stories'],
    ['related', 'Ähnliche Beiträge'],
    ['more', 'More in Politics'],
    ['more', 'Mehr zum Thema Energie'],
    ['alsoLike', 'You may also like:'],
    ['alsoLike', 'Das könnte Sie auch interessieren'],
    ['elsewhere', 'Elsewhere on The Verge'],
    ['advertisers', 'From our advertisers'],
    ['sponsored', 'Sponsored'],
    ['newsletter', 'Sign up for our newsletter'],
    ['comments', '3 Comments'],
    ['comments', 'Schreibe einen Kommentar'],
    ['contest', 'Enter to win a trip to Paris!'],
  ])('the %s family drops "%s"', (_family, heading) => {
    expect(navigationHeadingRule(heading, NAV)).toBe('navigation-heading');
  });

  it.each(['More on Defining Functions', 'Related work', 'Comments on the proposal', 'How to win at chess', 'Win32 API', 'Discussion'])(
    'keeps the content heading "%s"',
    (heading) => expect(navigationHeadingRule(heading, NAV)).toBeNull(),
  );

  it('families are configurable: only the chosen ones drop', () => {
    const onlyComments = navigationSet([], ['comments']);
    expect(navigationHeadingRule('Comments', onlyComments)).toBe('navigation-heading');
    expect(navigationHeadingRule('Related Stories', onlyComments)).toBeNull();
    expect(navigationHeadingRule('Related Stories', navigationSet([], []))).toBeNull();
  });
});

describe('language identification', () => {
  it('reports ISO 639-3 and is not fooled by a single "unique" n-gram in technical English', () => {
    // tinyld alone answers Romanian for this (the 4-gram "avea" in "caveats").
    const caveats =
      'Caveats There are some limitations to the process of bundling your application into a single file. In most if not all cases they can be addressed without needing major changes to your application.';
    expect(detectLanguage(caveats, EN)).toBe('eng');
    expect(detectLanguage(GERMAN, EN)).toBe('deu');
  });

  it('looks at natural words only: identifiers and numbers are dropped', () => {
    expect(naturalWords('Call os.path.join(a, b) or getAttr on file_name, then "return" 0x1f.')).toEqual(['Call', 'b', 'or', 'on', 'then', 'return']);
  });

  it('accepts ISO 639-1 and 639-3 codes in config', () => {
    expect([toLanguageCode('en'), toLanguageCode('ENG'), toLanguageCode('de'), toLanguageCode('xx'), toLanguageCode('english')]).toEqual(['eng', 'eng', 'deu', null, null]);
  });
});

describe('normalisation behind the segment id', () => {
  it.each([
    ['Ｗｈａｌｅｓ — sing!', 'whales sing'], // NFKC folds full-width letters; the dash is punctuation
    ['  e.g.,\tWhales\n\nSING  ', 'e g whales sing'],
    ['“Quoted” (text)', 'quoted text'],
    ['a + b = c', 'a + b = c'], // symbols carry meaning in code and maths
  ])('%j normalises to %j', (input, expected) => expect(normalizeText(input)).toBe(expected));

  it('gives equal ids to texts differing only in case, spacing and punctuation, and a 64-hex sha256', () => {
    expect(segmentId('Whales, sing!')).toBe(segmentId('whales sing'));
    expect(segmentId('Whales sing')).not.toBe(segmentId('Whales swim'));
    expect(segmentId('x')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('🐋🐋a')).toBe(3);
    expect('🐋🐋a'.length).toBe(5);
  });
});
