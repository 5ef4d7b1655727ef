/** Tiny WARC files built in the test with warcio's own writer, so fixtures are valid by construction. */
import zlib from 'node:zlib';
import { WARCRecord, WARCSerializer, type WARCType } from 'warcio';

export interface FixtureRecord {
  url: string;
  type?: WARCType;
  /** HTTP headers for response/request records; `Content-Type` defaults to text/html. */
  httpHeaders?: Record<string, string>;
  statusline?: string;
  /** WARC Content-Type (resource records). */
  warcContentType?: string;
  body: string | Buffer;
  date?: string;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** One serialized record (one gzip member when `gzip`). */
export async function warcRecord(r: FixtureRecord, gzip: boolean): Promise<Buffer> {
  const type = r.type ?? 'response';
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
  const http = type === 'response' || type === 'request';
  const record = WARCRecord.create(
    {
      url: r.url,
      type,
      date: r.date ?? '2023-05-06T07:08:09Z',
      warcVersion: 'WARC/1.1',
      ...(http ? { httpHeaders: { 'Content-Type': 'text/html; charset=utf-8', ...r.httpHeaders }, statusline: r.statusline ?? (type === 'request' ? `GET ${r.url} HTTP/1.1` : 'HTTP/1.1 200 OK') } : {}),
      ...(r.warcContentType ? { warcHeaders: { 'Content-Type': r.warcContentType } } : {}),
    },
    once(body),
  );
  return Buffer.from(await WARCSerializer.serialize(record, { gzip }));
}

/** A whole file and the byte offset where each record starts. */
export async function warcFile(records: FixtureRecord[], gzip: boolean): Promise<{ bytes: Buffer; offsets: number[] }> {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const r of records) {
    const b = await warcRecord(r, gzip);
    offsets.push(at);
    parts.push(b);
    at += b.length;
  }
  return { bytes: Buffer.concat(parts), offsets };
}

export function html(title: string, body = `<p>About ${title}.</p>`): string {
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

/**
 * A gzip member holding a WARC response record whose body is `zeros` zero bytes, compressed as a
 * stream: the uncompressed record never exists in memory or on disk.
 */
export async function gzipBombRecord(url: string, zeros: number): Promise<Buffer> {
  const httpHead = `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${zeros}\r\n\r\n`;
  const warcHead =
    `WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: ${url}\r\nWARC-Date: 2023-05-06T07:08:09Z\r\n` +
    `WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\nContent-Type: application/http; msgtype=response\r\n` +
    `Content-Length: ${httpHead.length + zeros}\r\n\r\n`;
  return gzipStream([Buffer.from(warcHead + httpHead)], zeros, Buffer.from('\r\n\r\n'));
}

/** gzip of `prefix`, then `zeros` zero bytes, then `suffix`, compressed as a stream. */
export async function gzipStream(prefix: Buffer[], zeros: number, suffix: Buffer): Promise<Buffer> {
  const gz = zlib.createGzip({ level: 1 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  const block = Buffer.alloc(1024 * 1024);
  const write = (b: Buffer): Promise<void> => new Promise((resolve) => (gz.write(b) ? resolve() : gz.once('drain', () => resolve())));
  for (const p of prefix) await write(p);
  for (let left = zeros; left > 0; left -= block.length) await write(left >= block.length ? block : block.subarray(0, left));
  await write(suffix);
  gz.end();
  await done;
  return Buffer.concat(out);
}
