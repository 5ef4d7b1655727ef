/**
 * TypeScript views of the Avro records in schemas/*.avsc (field names match the schemas exactly;
 * test/unit/records.test.ts checks every interface against its schema). Longs are JS numbers:
 * offsets and epoch milliseconds stay far below 2^53.
 */
export interface DocumentRecord {
  doc_id: string;
  url: string | null;
  source_file: string | null;
  source_offset: number | null;
  source_line: number | null;
  content_type: string;
  charset: string | null;
  content: string;
  fetched_at: number | null;
  ingested_at: number;
}

export interface Lineage {
  url: string | null;
  source_file: string | null;
  source_offset: number | null;
  source_line: number | null;
}

export interface SegmentRecord extends Lineage {
  segment_id: string;
  doc_id: string;
  segment_index: number;
  heading: string;
  heading_path: string[];
  text: string;
  char_count: number;
  language: string | null;
  created_at: number;
}

export interface CandidateRecord extends Lineage {
  candidate_id: string;
  segment_id: string;
  doc_id: string;
  segment_index: number;
  instruction: string;
  output: string;
  model: string;
  prompt_version: string;
  temperature: number;
  top_p: number;
  iteration: number;
  created_at: number;
}

export interface ScoredCandidateRecord {
  scored_id: string;
  candidate_id: string;
  segment_id: string;
  doc_id: string;
  url: string | null;
  source_file: string | null;
  instruction: string;
  output: string;
  instruction_model: string;
  instruction_prompt_version: string;
  score: number;
  rationale: string;
  scorer_model: string;
  scorer_prompt_version: string;
  iteration: number;
  attempts: number;
  scored_at: number;
  score_mode: string | null;
  expected_score: number | null;
  score_distribution: number[] | null;
}

export type ExampleSource = 'augmented' | 'seed';

export interface CuratedExampleRecord {
  example_id: string;
  tier: number;
  source: ExampleSource;
  instruction: string;
  output: string;
  score: number;
  scored_id: string;
  candidate_id: string;
  segment_id: string;
  url: string | null;
  instruction_model: string;
  scorer_model: string;
  scorer_prompt_version: string;
  iteration: number;
  curated_at: number;
  expected_score: number | null;
}

export interface DeadLetterRecord {
  stage: string;
  reason: string;
  message: string;
  detail: string | null;
  attempts: number;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  key: Buffer | null;
  value: Buffer | null;
  failed_at: number;
}

/** Avro full names of the record types, the way stages and topologies refer to them. */
export const RECORD_TYPES = {
  Document: 'humpback.Document',
  Segment: 'humpback.Segment',
  Candidate: 'humpback.Candidate',
  ScoredCandidate: 'humpback.ScoredCandidate',
  CuratedExample: 'humpback.CuratedExample',
  DeadLetter: 'humpback.DeadLetter',
} as const;
export type RecordTypeName = (typeof RECORD_TYPES)[keyof typeof RECORD_TYPES];

export interface RecordTypeMap {
  'humpback.Document': DocumentRecord;
  'humpback.Segment': SegmentRecord;
  'humpback.Candidate': CandidateRecord;
  'humpback.ScoredCandidate': ScoredCandidateRecord;
  'humpback.CuratedExample': CuratedExampleRecord;
  'humpback.DeadLetter': DeadLetterRecord;
}
