/**
 * One realistic sample per record type, for any test that needs a valid record. Each builder is
 * typed by its interface, so the compiler rejects a missing or extra field; test/unit/records.test.ts
 * checks the same field lists against schemas/*.avsc. Every nullable field is set (non-null) so round
 * trips exercise both union branches when combined with `withNulls`.
 */
import type {
  CandidateRecord,
  CuratedExampleRecord,
  DeadLetterRecord,
  DocumentRecord,
  RecordTypeMap,
  RecordTypeName,
  ScoredCandidateRecord,
  SegmentRecord,
} from '../../src/records/types';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const hex = (c: string): string => c.repeat(64);

export function sampleDocument(overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  return {
    doc_id: hex('d'),
    url: 'https://example.org/whales/humpback',
    source_file: 'crawl/CC-MAIN-00000.warc.gz',
    source_offset: 123_456_789,
    source_line: null,
    content_type: 'text/html',
    charset: 'utf-8',
    content: '<html><body><h1>Humpback whales</h1><p>Megaptera novaeangliae sing — “songs” 🐋</p></body></html>',
    fetched_at: T0 - 86_400_000,
    ingested_at: T0,
    ...overrides,
  };
}

export function sampleSegment(overrides: Partial<SegmentRecord> = {}): SegmentRecord {
  const text = '# Song\nMale humpback whales sing complex songs lasting up to 20 minutes — “themes” repeat.';
  return {
    segment_id: hex('5'),
    doc_id: hex('d'),
    segment_index: 2,
    url: 'https://example.org/whales/humpback',
    source_file: 'crawl/CC-MAIN-00000.warc.gz',
    source_offset: 123_456_789,
    source_line: 42,
    heading: 'Song',
    heading_path: ['Humpback whales', 'Behaviour', 'Song'],
    text,
    char_count: text.length,
    language: 'eng',
    created_at: T0 + 1_000,
    ...overrides,
  };
}

export function sampleCandidate(overrides: Partial<CandidateRecord> = {}): CandidateRecord {
  const seg = sampleSegment();
  return {
    candidate_id: hex('c'),
    segment_id: seg.segment_id,
    doc_id: seg.doc_id,
    segment_index: seg.segment_index,
    url: seg.url,
    source_file: seg.source_file,
    source_offset: seg.source_offset,
    source_line: seg.source_line,
    instruction: 'Describe the songs of male humpback whales.',
    output: seg.text,
    model: 'humpback-myx-7b',
    prompt_version: hex('a').slice(0, 12),
    temperature: 0.7,
    top_p: 0.9,
    iteration: 1,
    created_at: T0 + 2_000,
    ...overrides,
  };
}

export function sampleScoredCandidate(overrides: Partial<ScoredCandidateRecord> = {}): ScoredCandidateRecord {
  const cand = sampleCandidate();
  return {
    scored_id: hex('e'),
    candidate_id: cand.candidate_id,
    segment_id: cand.segment_id,
    doc_id: cand.doc_id,
    url: cand.url,
    source_file: cand.source_file,
    instruction: cand.instruction,
    output: cand.output,
    instruction_model: cand.model,
    instruction_prompt_version: cand.prompt_version,
    score: 5,
    rationale: 'The answer is self-contained, accurate and directly addresses the instruction.',
    scorer_model: 'humpback-m0-7b',
    scorer_prompt_version: hex('b').slice(0, 12),
    iteration: 1,
    attempts: 2,
    scored_at: T0 + 3_000,
    score_mode: 'expected',
    expected_score: 4.62,
    score_distribution: [0.01, 0.02, 0.05, 0.19, 0.73],
    ...overrides,
  };
}

export function sampleCuratedExample(overrides: Partial<CuratedExampleRecord> = {}): CuratedExampleRecord {
  const scored = sampleScoredCandidate();
  return {
    example_id: hex('f'),
    tier: 5,
    source: 'augmented',
    instruction: scored.instruction,
    output: scored.output,
    score: scored.score,
    scored_id: scored.scored_id,
    candidate_id: scored.candidate_id,
    segment_id: scored.segment_id,
    url: scored.url,
    instruction_model: scored.instruction_model,
    scorer_model: scored.scorer_model,
    scorer_prompt_version: scored.scorer_prompt_version,
    iteration: 1,
    curated_at: T0 + 4_000,
    expected_score: scored.expected_score,
    ...overrides,
  };
}

export function sampleDeadLetter(overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  return {
    stage: 'score',
    reason: 'score.unparseable',
    message: 'no `Score: N` line in the answer',
    detail: 'I think this is a fine answer.',
    attempts: 3,
    source_topic: 'candidates',
    source_partition: 7,
    source_offset: 9_007_199_254, // well past 2^32: longs must survive
    key: Buffer.from(hex('c'), 'utf8'),
    value: Buffer.from([0x00, 0x40, 0x00, 0x00, 0x01, 0xff, 0xfe]),
    failed_at: T0 + 5_000,
    ...overrides,
  };
}

/** Builders by Avro full name. */
export const sampleBuilders: { [K in RecordTypeName]: (overrides?: Partial<RecordTypeMap[K]>) => RecordTypeMap[K] } = {
  'humpback.Document': sampleDocument,
  'humpback.Segment': sampleSegment,
  'humpback.Candidate': sampleCandidate,
  'humpback.ScoredCandidate': sampleScoredCandidate,
  'humpback.CuratedExample': sampleCuratedExample,
  'humpback.DeadLetter': sampleDeadLetter,
};

export function sampleRecord<T extends RecordTypeName>(type: T, overrides?: Partial<RecordTypeMap[T]>): RecordTypeMap[T] {
  return sampleBuilders[type](overrides);
}

/** The sample with every nullable field set to null (the other union branch). */
export function withNulls<T extends RecordTypeName>(type: T, nullable: readonly string[]): RecordTypeMap[T] {
  // The interfaces have no index signature; an indexable copy lets us null fields by name.
  const record = new Map<string, unknown>(Object.entries(sampleRecord(type) as object));
  for (const name of nullable) record.set(name, null);
  return Object.fromEntries(record) as unknown as RecordTypeMap[T];
}
