import { buildDocument } from './docId';
import { documentItem, problem } from './items';
import { readJsonLines } from './jsonLines';
import type { InputSource } from './source';
import type { ReadItem, ReaderOptions } from './types';

/** Keys that mark a JSON line as a ClueWeb22 text record (detect.ts looks for them in the first record). */
export const CLUEWEB22_KEYS = ['ClueWeb22-ID', 'Clean-Text'] as const;

/**
 * ClueWeb22 "txt" records: JSON lines with `ClueWeb22-ID`, `URL` and `Clean-Text` (plus `URL-hash`,
 * `Language`), plain or gzip. Clean-Text is already plain text (title on the first line, no markup),
 * so it goes out as text/plain untouched; the segmenter handles plain text.
 */
export function readClueWeb22(src: InputSource, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  return readJsonLines(src, opts, (obj, at) => {
    const text = obj['Clean-Text'];
    if (typeof text !== 'string') {
      const why = text === undefined ? 'has no Clean-Text field' : `has a Clean-Text that is a ${typeof text}, not a string`;
      return problem('ingest.invalid-record', at.file, { line: at.line, sample: at.sample }, `ClueWeb22 record ${why}; line skipped`);
    }
    // ClueWeb22 URLs end with a newline in the distributed files.
    const rawUrl = typeof obj.URL === 'string' ? obj.URL.trim() : '';
    return documentItem(
      buildDocument(
        {
          url: rawUrl === '' ? null : rawUrl,
          source_file: at.file,
          source_offset: null,
          source_line: at.line,
          content: text,
          content_type: 'text/plain',
          charset: 'utf-8',
          fetched_at: null,
        },
        opts.now(),
      ),
    );
  });
}
