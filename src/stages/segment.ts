import { z } from 'zod';
import type { SegmentRecord } from '../records/types';
import { DEFAULT_CAPITAL_BOUNDS, DEFAULT_NAVIGATION_HEADINGS, DEFAULT_REPEAT } from '../text/filters';
import { toLanguageCode } from '../text/language';
import { NAVIGATION_FAMILY_NAMES } from '../text/navigationFamilies';
import { DEFAULT_MINHASH } from '../text/minhash';
import { createSegmenter, htmlOptions, structureDocument } from './segmentPipeline';
import type { StageDefinition } from './stage';
import type { StageOutput } from '../runtime/projection';

/**
 * The segment stage (humpback.Document -> humpback.Segment, documents -> segments.raw): structure
 * by content type, cut at headings (src/text/segmenter.ts), filter (src/text/filters.ts), and key
 * each surviving segment by its id, the sha256 of its normalised text (src/text/normalize.ts), so
 * equal texts meet in one partition of segments.raw where the dedup stage drops repeats.
 * Every rule is an option; defaults are the paper's (docs/method.md) or, where it is silent, ours.
 */
const share = z.number().min(0).max(1);
export const configSchema = z
  .object({
    /** Paper: 600 to 3,000 characters (Unicode code points). */
    minChars: z.number().int().min(0).default(600),
    maxChars: z.number().int().min(1).default(3000),
    /** Whole-heading matches, compared lower-cased without punctuation or digits. */
    navigationHeadings: z.array(z.string()).default([...DEFAULT_NAVIGATION_HEADINGS]),
    /** Families of navigation headings (src/text/navigationFamilies.ts: "Related Stories", "More in X", "Kommentare"...). */
    navigationFamilies: z.array(z.enum(NAVIGATION_FAMILY_NAMES)).default([...NAVIGATION_FAMILY_NAMES]),
    /**
     * HTML main-text extraction (src/text/htmlToText.ts). `mainContent: false` converts the whole page
     * minus its chrome. Comments, bylines and captions are dropped by default: answers want none.
     */
    extraction: z
      .object({
        mainContent: z.boolean().default(true),
        comments: z.boolean().default(false),
        bylines: z.boolean().default(false),
        captions: z.boolean().default(false),
      })
      .prefault({}),
    /** A heading with at least this many cased letters, all upper case, is dropped. */
    allCapsMinLetters: z.number().int().min(1).default(2),
    /** Allowed share of upper-case letters among a heading's cased letters (headings of >= minLetters). */
    capitalShare: z
      .object({ min: share.default(DEFAULT_CAPITAL_BOUNDS.min), max: share.default(DEFAULT_CAPITAL_BOUNDS.max), minLetters: z.number().int().min(1).default(DEFAULT_CAPITAL_BOUNDS.minLetters) })
      .prefault({}),
    /** Two sentences repeat when their word n-gram Jaccard similarity is at least this. */
    repeatJaccard: share.default(DEFAULT_REPEAT.threshold),
    ngram: z.number().int().min(1).max(10).default(DEFAULT_REPEAT.ngram),
    /** Repeated sentence pairs tolerated in one segment. */
    maxRepeatedPairs: z.number().int().min(0).default(DEFAULT_REPEAT.maxPairs),
    /** Sentences compared per segment (the pairwise pass is quadratic). */
    maxSentences: z.number().int().min(2).default(DEFAULT_REPEAT.maxSentences),
    /** Languages kept, ISO 639-1 or 639-3 as tinyld knows them; [] keeps every language and skips language ID. */
    languages: z
      .array(z.string().refine((code) => toLanguageCode(code) !== null, { message: 'not a language code tinyld knows', params: { hint: 'use an ISO 639-1 or 639-3 code, e.g. en or eng' } }))
      .default(['en']),
    /** Near-duplicate filter (MinHash + LSH). Per process: replicas do not share it, restarts forget it. */
    nearDuplicates: z
      .object({
        enabled: z.boolean().default(false),
        threshold: share.default(DEFAULT_MINHASH.threshold),
        bands: z.number().int().min(1).default(DEFAULT_MINHASH.bands),
        rows: z.number().int().min(1).default(DEFAULT_MINHASH.rows),
        shingle: z.number().int().min(1).default(DEFAULT_MINHASH.shingle),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.minChars > c.maxChars) ctx.addIssue({ code: 'custom', path: ['minChars'], message: `minChars ${c.minChars} is above maxChars ${c.maxChars}` });
    if (c.capitalShare.min > c.capitalShare.max) ctx.addIssue({ code: 'custom', path: ['capitalShare', 'min'], message: 'capitalShare.min is above capitalShare.max' });
  });
export type SegmentConfig = z.infer<typeof configSchema>;

export const segmentStage: StageDefinition<typeof configSchema.shape, 'humpback.Document', 'humpback.Segment'> = {
  type: 'segment',
  description:
    "Cuts each document into self-contained segments (candidate answers): for HTML the page's main text first (menus, comments, related links and other chrome removed); " +
    'then the text under each heading (sub-headings included), 600-3,000 characters; drops empty, all-caps and navigation headings, odd capitalisation, repeated sentences and other languages. ' +
    'Keyed by the hash of the normalised text.',
  meta: { category: 'prepare', callsLlm: false, scaling: { bound: 'cpu', autoscale: false } },
  configSchema,
  recordTypes: () => ({ input: 'humpback.Document', output: 'humpback.Segment' }),
  create: (config, ctx) => {
    // The topology merges the options without the object-level refinements: check them here, at build time.
    const checked = configSchema.parse(config);
    const segmenter = createSegmenter(checked);
    const html = htmlOptions(checked);
    return (doc) => {
      const createdAt = ctx.now();
      const structured = structureDocument(doc, html);
      // A document with no text at all (an HTML page that is all chrome) is counted, not silently empty.
      if (structured.blocks.length === 0) ctx.countFiltered('no-main-text');
      const { kept, dropped } = segmenter(structured);
      for (const d of dropped) ctx.countFiltered(d.reason);
      return kept.map(
        (s): StageOutput<SegmentRecord> => ({
          key: s.id,
          value: {
            segment_id: s.id,
            doc_id: doc.doc_id,
            segment_index: s.candidate.index,
            url: doc.url,
            source_file: doc.source_file,
            source_offset: doc.source_offset,
            source_line: doc.source_line,
            heading: s.candidate.heading,
            heading_path: s.candidate.headingPath,
            text: s.candidate.text,
            char_count: s.charCount,
            language: s.language,
            created_at: createdAt,
          },
        }),
      );
    };
  },
};
