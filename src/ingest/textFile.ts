import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeBytes } from './charset';
import { buildDocument } from './docId';
import { documentItem, tooLarge } from './items';
import { readCapped } from './limits';
import { maybeGunzip, type InputSource } from './source';
import type { ReadItem, ReaderOptions } from './types';

export type TextContentType = 'text/plain' | 'text/markdown';

/** Content type by extension: .md/.markdown are Markdown (`#` headings), everything else plain text. */
export function textContentType(file: string | null): TextContentType {
  return file !== null && /\.(md|markdown)(\.gz)?$/i.test(file) ? 'text/markdown' : 'text/plain';
}

/** One .txt/.md file (or stdin) as one document; url file://<absolute path>. */
export async function* readTextFile(src: InputSource, opts: ReaderOptions, contentType: TextContentType = textContentType(src.file)): AsyncGenerator<ReadItem> {
  const input = await maybeGunzip(src);
  const read = await readCapped(input.chunks, opts.maxDocumentBytes);
  if (read.kind === 'too-large') {
    yield tooLarge(src.file, { sample: read.head }, read.seen, opts.maxDocumentBytes);
    return;
  }
  const { text, charset } = decodeBytes(read.bytes);
  const url = src.file === null ? null : pathToFileURL(path.resolve(src.file)).href;
  yield documentItem(
    buildDocument({ url, source_file: src.file, source_offset: null, source_line: null, content: text, content_type: contentType, charset, fetched_at: null }, opts.now()),
  );
}
