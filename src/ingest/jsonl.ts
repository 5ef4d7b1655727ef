import { buildDocument } from './docId';
import { documentItem, problem } from './items';
import { readJsonLines, timestampField } from './jsonLines';
import type { InputSource } from './source';
import type { ReadItem, ReaderOptions } from './types';

/** Body fields a JSONL record may carry, in the order they are looked for, with their content type. */
const BODY_FIELDS = [
  ['html', 'text/html'],
  ['text', 'text/plain'],
  ['markdown', 'text/markdown'],
] as const;

/**
 * Generic JSONL: one object per line with `url` and one of `html`, `text` or `markdown`
 * (optionally `fetched_at`: epoch ms or a date string). Plain or gzip.
 */
export function readJsonl(src: InputSource, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  return readJsonLines(src, opts, (obj, at) => {
    const body = BODY_FIELDS.find(([field]) => obj[field] !== undefined && obj[field] !== null);
    if (body === undefined) {
      return problem('ingest.invalid-record', at.file, { line: at.line, sample: at.sample }, 'record has no html, text or markdown field; line skipped');
    }
    const [field, contentType] = body;
    const content = obj[field];
    if (typeof content !== 'string') {
      return problem('ingest.invalid-record', at.file, { line: at.line, sample: at.sample }, `field ${field} is a ${typeof content}, not a string; line skipped`);
    }
    const url = typeof obj.url === 'string' && obj.url !== '' ? obj.url : null;
    return documentItem(
      buildDocument(
        {
          url,
          source_file: at.file,
          source_offset: null,
          source_line: at.line,
          content,
          content_type: contentType,
          charset: 'utf-8',
          fetched_at: timestampField(obj.fetched_at),
        },
        opts.now(),
      ),
    );
  });
}
