import crypto from 'node:crypto';
import path from 'node:path';
import type { DocumentRecord } from '../records/types';

export interface DocIdParts {
  source_file: string | null;
  url: string | null;
  source_offset: number | null;
  source_line: number | null;
  content: string;
}

/**
 * The document key. Rule, exactly:
 *
 *   doc_id = sha256_hex( JSON.stringify([origin, position]) + "\n" + content )   (UTF-8 bytes)
 *
 *   origin   = basename(source_file) when there is a source file, else url, else ""
 *   position = source_offset (WARC byte offset) ?? source_line (JSON lines) ?? 0
 *
 * The basename (not the full path) so that re-ingesting the same crawl file from another directory
 * or machine gives the same keys; the position so that the same page stored twice in one file gives
 * two documents; the content so that a file replaced under the same name gives new keys. JSON
 * quoting escapes newlines, so the first "\n" ends the prefix unambiguously.
 */
export function docId(parts: DocIdParts): string {
  const origin = parts.source_file !== null ? path.basename(parts.source_file) : (parts.url ?? '');
  const position = parts.source_offset ?? parts.source_line ?? 0;
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([origin, position]) + '\n')
    .update(parts.content)
    .digest('hex');
}

/** A Document record with its key computed from the fields above. */
export function buildDocument(
  fields: Omit<DocIdParts, 'content'> & { content: string; content_type: string; charset: string | null; fetched_at: number | null },
  ingestedAt: number,
): DocumentRecord {
  return {
    doc_id: docId(fields),
    url: fields.url,
    source_file: fields.source_file,
    source_offset: fields.source_offset,
    source_line: fields.source_line,
    content_type: fields.content_type,
    charset: fields.charset,
    content: fields.content,
    fetched_at: fields.fetched_at,
    ingested_at: ingestedAt,
  };
}
