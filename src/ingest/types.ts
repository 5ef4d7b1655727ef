import type { DocumentRecord } from '../records/types';

/** Something wrong with one part of an input that the reader skipped; the rest of the input goes on. */
export interface ReadProblem {
  /** Machine-readable reason, e.g. `ingest.malformed-json`, `ingest.truncated`, `ingest.too-large`. */
  reason: string;
  /** Human-readable: names the file and the line or byte offset, and how to fix it where that helps. */
  message: string;
  file: string | null;
  line?: number;
  offset?: number;
  /** The first 64 KB of the bad input, when there is one to keep (it becomes the dead letter's value). */
  sample?: Buffer;
}

/** What readers yield: a document, a problem, or a record deliberately skipped (e.g. a WARC request record). */
export type ReadItem =
  | { kind: 'document'; document: DocumentRecord }
  | { kind: 'problem'; problem: ReadProblem }
  | { kind: 'skipped'; reason: string };

export interface ReaderOptions {
  /** Documents larger than this (decoded bytes) are reported as `ingest.too-large`, checked while reading. */
  maxDocumentBytes: number;
  /** Clock for ingested_at (injected for tests). */
  now: () => number;
  /** Called with the count of input bytes consumed so far, for progress lines. */
  onBytes?: (bytesRead: number) => void;
}
