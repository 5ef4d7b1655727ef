import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Parser } from 'htmlparser2';
import { decodeBytes } from './charset';
import { buildDocument } from './docId';
import { documentItem, tooLarge } from './items';
import { readCapped } from './limits';
import { maybeGunzip, type InputSource } from './source';
import type { ReadItem, ReaderOptions } from './types';

/** The <head> is near the start; canonical links after this much markup are not looked for. */
const HEAD_WINDOW = 64 * 1024;

function httpUrl(href: string | undefined, base?: string): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The page's own idea of its URL: `<link rel=canonical>`, else `<base href>`, when absolute http(s). */
export function declaredUrl(html: string): string | undefined {
  let canonical: string | undefined;
  let base: string | undefined;
  let inBody = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (inBody) return;
        if (name === 'body') inBody = true;
        else if (name === 'base' && base === undefined) base = httpUrl(attrs.href);
        else if (name === 'link' && canonical === undefined && /(^|\s)canonical(\s|$)/i.test(attrs.rel ?? '')) canonical = attrs.href;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html.slice(0, HEAD_WINDOW));
  parser.end();
  return httpUrl(canonical, base) ?? base;
}

/**
 * One .html/.htm file (or stdin) as one text/html document, decoded by its declared or detected
 * charset. url: the page's canonical link or base href when it has one, else file://<absolute path>.
 */
export async function* readHtmlFile(src: InputSource, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const input = await maybeGunzip(src);
  const read = await readCapped(input.chunks, opts.maxDocumentBytes);
  if (read.kind === 'too-large') {
    yield tooLarge(src.file, { sample: read.head }, read.seen, opts.maxDocumentBytes);
    return;
  }
  const { text, charset } = decodeBytes(read.bytes, { html: true });
  const url = declaredUrl(text) ?? (src.file === null ? null : pathToFileURL(path.resolve(src.file)).href);
  yield documentItem(
    buildDocument(
      { url, source_file: src.file, source_offset: null, source_line: null, content: text, content_type: 'text/html', charset, fetched_at: null },
      opts.now(),
    ),
  );
}
