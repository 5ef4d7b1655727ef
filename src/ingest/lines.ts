import { SAMPLE_BYTES } from './limits';

export type LineItem =
  /** A line without its `\n` (and `\r`); `lineNo` is 1-based, `offset` the byte offset of its start (decompressed). */
  | { kind: 'line'; line: Buffer; lineNo: number; offset: number }
  /** A line longer than the cap: only its first SAMPLE_BYTES were kept, the rest was skipped unbuffered. */
  | { kind: 'too-large'; lineNo: number; offset: number; seen: number; head: Buffer };

/** Where the splitter was when its source failed (e.g. a truncated gzip), for the problem line. */
export class LineSourceError extends Error {
  constructor(
    readonly error: unknown,
    readonly lineNo: number,
    readonly offset: number,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Splits a byte stream into lines without ever holding more than `cap` bytes of one line: past the
 * cap the line is counted and skipped to its end, and reported as too large. A line cut off by the
 * end of a failing source is not yielded (it is incomplete); the failure is rethrown as a
 * LineSourceError naming that line.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, cap: number): AsyncGenerator<LineItem> {
  let parts: Buffer[] = [];
  let size = 0; // bytes of the current line seen so far (buffered or not)
  let skipping = false;
  let head = Buffer.alloc(0);
  let lineNo = 1;
  let lineStart = 0; // offset of the current line
  let pos = 0; // offset of the current chunk

  const finish = (): LineItem => {
    const item: LineItem = skipping
      ? { kind: 'too-large', lineNo, offset: lineStart, seen: size, head }
      : { kind: 'line', line: stripCr(Buffer.concat(parts, size)), lineNo, offset: lineStart };
    parts = [];
    size = 0;
    skipping = false;
    head = Buffer.alloc(0);
    return item;
  };

  try {
    for await (const chunk of chunks) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl < 0 ? chunk.length : nl;
        const piece = chunk.subarray(start, end);
        size += piece.length;
        if (!skipping && size > cap) {
          skipping = true;
          head = Buffer.concat([...parts, piece]).subarray(0, SAMPLE_BYTES);
          head = Buffer.from(head); // a copy: the parts can go
          parts = [];
        } else if (!skipping) {
          parts.push(piece);
        }
        if (nl < 0) break;
        yield finish();
        lineNo += 1;
        lineStart = pos + nl + 1;
        start = nl + 1;
      }
      // Pieces of a chunk keep the whole chunk alive; copy the unfinished line's piece so they do not.
      if (!skipping && parts.length > 0) {
        const last = parts.length - 1;
        if (parts[last].buffer === chunk.buffer && parts[last].length < chunk.length / 2) parts[last] = Buffer.from(parts[last]);
      }
      pos += chunk.length;
    }
  } catch (err) {
    throw new LineSourceError(err, lineNo, lineStart);
  }
  if (size > 0 || skipping) yield finish();
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}
