/**
 * Size caps enforced while bytes stream in, never after the fact: a reader buffers at most the cap
 * (plus one chunk) of any record, so a gzip bomb or a 1 GB line costs time, not memory.
 */

/** Default per-document cap (`--max-document-mb 10`). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** How much of a bad input a dead letter keeps (DeadLetter.value). */
export const SAMPLE_BYTES = 64 * 1024;

export function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function megabytesToBytes(value: number): number {
  return Math.round(value * 1024 * 1024);
}

/** Outcome of reading something whole under a cap. */
export type Capped =
  | { kind: 'ok'; bytes: Buffer }
  /** `seen` counts bytes up to and including the chunk that crossed the cap; `head` is the first SAMPLE_BYTES. */
  | { kind: 'too-large'; seen: number; head: Buffer };

/**
 * Reads `chunks` into one buffer, stopping at the first chunk that takes the total past `cap`: the
 * rest is not read (the caller skips or abandons it), so memory stays at cap + one chunk.
 */
export async function readCapped(chunks: AsyncIterable<Uint8Array>, cap: number): Promise<Capped> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > cap) {
      parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.length, SAMPLE_BYTES)));
      return { kind: 'too-large', seen: size, head: headOf(parts) };
    }
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  return { kind: 'ok', bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts, size) };
}

/** The first SAMPLE_BYTES of some parts, copied (so the parts can be freed). */
export function headOf(parts: readonly Buffer[]): Buffer {
  const out: Buffer[] = [];
  let n = 0;
  for (const p of parts) {
    if (n >= SAMPLE_BYTES) break;
    const take = p.subarray(0, SAMPLE_BYTES - n);
    out.push(take);
    n += take.length;
  }
  return Buffer.from(Buffer.concat(out, n));
}

/**
 * A byte counter around a chunk stream: passes chunks through and, once the total would pass `cap`,
 * ends the stream early and remembers that it did. Used where a library (warcio) reads from the
 * stream and must see an end instead of buffering without bound.
 */
export class CappedStream implements AsyncIterable<Uint8Array> {
  /** Bytes passed through. */
  passed = 0;
  /** Set when the stream was cut at the cap; `seen` then includes the chunk that crossed it. */
  over = false;
  seen = 0;
  head: Buffer = Buffer.alloc(0);
  private readonly kept: Buffer[] = [];

  constructor(
    private readonly source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    private readonly cap: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for await (const chunk of this.source) {
      if (this.passed + chunk.length > this.cap) {
        this.over = true;
        this.seen = this.passed + chunk.length;
        this.keep(chunk);
        this.head = headOf(this.kept);
        return;
      }
      this.passed += chunk.length;
      this.keep(chunk);
      yield chunk;
    }
  }

  private keep(chunk: Uint8Array): void {
    const have = this.kept.reduce((n, b) => n + b.length, 0);
    if (have < SAMPLE_BYTES) this.kept.push(Buffer.from(chunk.subarray(0, SAMPLE_BYTES - have)));
  }

  /** The first SAMPLE_BYTES that went through (or were cut). */
  sample(): Buffer {
    return this.over ? this.head : headOf(this.kept);
  }
}

/** Cuts chunks into pieces of at most `size` bytes (bounds what one inflate call can expand to). */
export async function* pieces(chunks: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, Math.min(chunk.length, i + size));
  }
}
