import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import fg from 'fast-glob';
import { readClueWeb22 } from './clueweb22';
import { detectFormat, hasKnownExtension, type Format } from './detect';
import { problem } from './items';
import { readHtmlFile } from './htmlFile';
import { readJsonl } from './jsonl';
import { fileSource, GzipError, streamSource, type InputSource } from './source';
import { readTextFile } from './textFile';
import type { ReadItem, ReaderOptions } from './types';
import { readWarc } from './warc';

/** A read item and the input it came from (`-` for stdin). */
export type SourcedItem = ReadItem & { source: string };

export interface Expansion {
  /** Files to read in order (`-` = stdin), each once; `size` when known (for an ETA). */
  inputs: Array<{ path: string; size?: number }>;
  /** Patterns or paths that matched nothing (missing files included). */
  unmatched: string[];
  /** Paths that exist but cannot be listed or read. */
  unreadable: Array<{ path: string; why: string }>;
}

export interface ReadInputsOptions extends ReaderOptions {
  /** Where `-` reads from (default process.stdin). */
  stdin?: Readable;
  /** Stops reading between items (Ctrl-C): the current item is finished, nothing more is read. */
  signal?: AbortSignal;
  /** A ready expansion (the CLI expands first to fail fast and to know the total size). */
  expansion?: Expansion;
}

type Reader = (src: InputSource, opts: ReaderOptions) => AsyncGenerator<ReadItem>;

const READERS: Record<Format, Reader> = {
  warc: readWarc,
  clueweb22: readClueWeb22,
  jsonl: readJsonl,
  html: readHtmlFile,
  text: (src, opts) => readTextFile(src, opts, 'text/plain'),
  markdown: (src, opts) => readTextFile(src, opts, 'text/markdown'),
};

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Paths, folders and globs to the files they name: a folder gives every file below it with a known
 * extension (.warc, .jsonl, .json, .html, .txt, .md, each also .gz), a glob every file it matches;
 * sorted, so a re-run reads in the same order. `-` stays `-` (stdin).
 */
export async function expandInputs(patterns: readonly string[]): Promise<Expansion> {
  const out: Expansion = { inputs: [], unmatched: [], unreadable: [] };
  const seen = new Set<string>();
  const add = (p: string, size?: number): void => {
    const key = p === '-' ? '-' : path.resolve(p);
    if (seen.has(key)) return;
    seen.add(key);
    out.inputs.push({ path: p, size });
  };
  for (const pattern of patterns) {
    if (pattern === '-') {
      add('-');
      continue;
    }
    let stat: fs.Stats | undefined;
    try {
      stat = await fs.promises.stat(pattern);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        out.unreadable.push({ path: pattern, why: code ?? String(err) });
        continue;
      }
    }
    if (stat?.isDirectory()) {
      try {
        const files = await fg('**/*', { cwd: pattern, onlyFiles: true, stats: true, followSymbolicLinks: true, suppressErrors: false });
        const known = files.filter((e) => hasKnownExtension(e.path)).sort((a, b) => byName(a.path, b.path));
        if (known.length === 0) out.unmatched.push(pattern);
        for (const e of known) add(path.join(pattern, e.path), e.stats?.size);
      } catch (err) {
        out.unreadable.push({ path: pattern, why: (err as NodeJS.ErrnoException).code ?? String(err) });
      }
    } else if (stat) {
      add(pattern, stat.size);
    } else if (fg.isDynamicPattern(pattern)) {
      const files = (await fg(pattern, { onlyFiles: true, stats: true })).sort((a, b) => byName(a.path, b.path));
      if (files.length === 0) out.unmatched.push(pattern);
      for (const e of files) add(e.path, e.stats?.size);
    } else {
      out.unmatched.push(pattern);
    }
  }
  return out;
}

/** Total bytes of the inputs when every size is known (no stdin), else undefined. */
export function totalSize(expansion: Expansion): number | undefined {
  let total = 0;
  for (const input of expansion.inputs) {
    if (input.size === undefined) return undefined;
    total += input.size;
  }
  return total;
}

/** A reader failure that escaped the reader (I/O, gzip) as one problem line naming the input. */
function failure(file: string | null, err: unknown): ReadItem {
  if (err instanceof GzipError) {
    return problem(err.kind === 'truncated' ? 'ingest.truncated' : 'ingest.corrupt', file, {}, `${err.message}; what came before was read`);
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return problem('ingest.missing-input', file, {}, 'no such file (it went away after it was listed)');
  if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') return problem('ingest.unreadable', file, {}, `cannot read (${code}). Fix: check permissions`);
  return problem('ingest.read-error', file, {}, `cannot read on (${err instanceof Error ? err.message : String(err)})`);
}

/** Reads one input (a path or `-`) with the reader its format calls for. */
export async function* readInput(input: string, opts: ReadInputsOptions & { onChunk?: (n: number) => void }): AsyncGenerator<ReadItem> {
  const file = input === '-' ? null : input;
  const src = file === null ? streamSource(opts.stdin ?? process.stdin, null, opts.onChunk) : fileSource(file, opts.onChunk);
  try {
    const { format, source } = await detectFormat(src);
    if (format === 'binary') {
      yield problem('ingest.unknown-format', file, {}, 'binary data of no known format (expected WARC, JSON lines, HTML, text or Markdown, maybe gzipped); skipped');
      return;
    }
    for await (const item of READERS[format](source, opts)) {
      yield item;
      if (opts.signal?.aborted) return;
    }
  } catch (err) {
    yield failure(file, err);
  } finally {
    src.close?.();
  }
}

/**
 * Every item of every input, in order, each tagged with its input. Missing and unreadable paths
 * become problems, never exceptions; opts.onBytes gets the running total of bytes read.
 */
export async function* readInputs(paths: readonly string[], opts: ReadInputsOptions): AsyncGenerator<SourcedItem> {
  const expansion = opts.expansion ?? (await expandInputs(paths));
  for (const p of expansion.unmatched) {
    yield { ...problem('ingest.missing-input', p, {}, fg.isDynamicPattern(p) ? 'the pattern matched no file' : 'no such file or folder (or no file with a known extension in it)'), source: p };
  }
  for (const { path: p, why } of expansion.unreadable) {
    yield { ...problem('ingest.unreadable', p, {}, `cannot read (${why}). Fix: check permissions`), source: p };
  }
  let bytes = 0;
  const onChunk = (n: number): void => {
    bytes += n;
    opts.onBytes?.(bytes);
  };
  for (const { path: p } of expansion.inputs) {
    if (opts.signal?.aborted) return;
    for await (const item of readInput(p, { ...opts, onChunk })) yield { ...item, source: p };
  }
}
