import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** One input as readers see it: raw bytes (maybe compressed) and the name to report it by. */
export interface InputSource {
  /** The path as given or expanded; null for stdin (lineage then has no source_file). */
  file: string | null;
  chunks: AsyncIterable<Buffer>;
  /** Releases the underlying file even when the chunks were not read to the end (or at all). */
  close?: () => void;
}

/** How messages name an input. */
export function displayName(file: string | null): string {
  return file ?? '-';
}

const READ_CHUNK = 64 * 1024;

/** Counts bytes as they are read, for progress lines (raw bytes, i.e. compressed for .gz). */
async function* counted(chunks: AsyncIterable<Buffer>, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    onBytes?.(chunk.length);
    yield chunk;
  }
}

/** A file as an input; `onBytes` gets each chunk's size as it is read. */
export function fileSource(file: string, onBytes?: (n: number) => void): InputSource {
  const stream = fs.createReadStream(file, { highWaterMark: READ_CHUNK });
  return { file, chunks: counted(stream, onBytes), close: () => stream.destroy() };
}

/** A stream (stdin) as an input. */
export function streamSource(stream: Readable, file: string | null, onBytes?: (n: number) => void): InputSource {
  return { file, chunks: counted(stream as AsyncIterable<Buffer>, onBytes) };
}

/**
 * The first `n` bytes of a source without losing them: returns them and a source that yields them
 * again followed by the rest. Works for stdin, which cannot be reopened.
 */
export async function peek(src: InputSource, n: number): Promise<{ head: Buffer; source: InputSource }> {
  const it = src.chunks[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    taken.push(next.value);
    size += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* taken;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: Buffer.concat(taken, size).subarray(0, n), source: { file: src.file, chunks: replay(), close: src.close } };
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** What went wrong in a gzip stream, for a clear problem line. */
export class GzipError extends Error {
  constructor(
    readonly kind: 'truncated' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decompresses a gzip stream (all members) with Node's zlib, pulling input only as output is read:
 * backpressure keeps memory flat whatever the ratio. A cut stream ends with GzipError('truncated')
 * after all the bytes that could be decompressed were yielded.
 */
export async function* gunzip(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  const input = Readable.from(chunks, { objectMode: false });
  const z = zlib.createGunzip({ chunkSize: 64 * 1024 });
  input.on('error', (err) => z.destroy(err));
  input.pipe(z);
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw new GzipError('truncated', 'gzip stream ends before its end marker (file cut short)');
    if (code === 'Z_DATA_ERROR') throw new GzipError('corrupt', `corrupt gzip data (${(err as Error).message})`);
    throw err;
  } finally {
    input.unpipe(z);
    input.destroy();
    z.destroy();
  }
}

/** The source decompressed when it starts with the gzip magic, else unchanged. */
export async function maybeGunzip(src: InputSource): Promise<InputSource> {
  const { head, source } = await peek(src, 2);
  return isGzip(head) ? { file: src.file, chunks: gunzip(source.chunks), close: src.close } : source;
}

/**
 * The first bytes of a gzip stream, decompressed as far as `head` allows (for sniffing what is
 * inside): at most `max` bytes, never throws.
 */
export async function gunzipHead(head: Buffer, max: number): Promise<Buffer> {
  const out: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of gunzip([head])) {
      out.push(chunk);
      n += chunk.length;
      if (n >= max) break;
    }
  } catch {
    // A head cut mid-stream ends like a truncated file: what came out before is what we want.
  }
  return Buffer.concat(out, n).subarray(0, max);
}
