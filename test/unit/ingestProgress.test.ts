import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Progress } from '../../src/ingest/progress';
import type { ReadItem } from '../../src/ingest/types';
import { watchFolder, watchStatePath, WatchState } from '../../src/ingest/watch';
import { createLogger } from '../../src/core/logger';
import { waitFor } from '../helpers/kafka';

function fakeOut(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, write: (s: string) => writes.push(s) }, writes };
}

const doc: ReadItem = { kind: 'skipped', reason: 'x' };
const items: ReadItem[] = [
  { kind: 'document', document: { doc_id: 'a', url: null, source_file: null, source_offset: null, source_line: null, content_type: 'text/plain', charset: null, content: 'x', fetched_at: null, ingested_at: 0 } },
  { kind: 'skipped', reason: 'warc.not-html' },
  { kind: 'skipped', reason: 'warc.not-html' },
  { kind: 'skipped', reason: 'warc.not-response' },
  { kind: 'problem', problem: { reason: 'ingest.too-large', message: 'm', file: 'f' } },
];

describe('progress', () => {
  test('silent while running when not a terminal; one summary line at the end', () => {
    const { out, writes } = fakeOut(false);
    let t = 0;
    const p = new Progress({ out, now: () => t, totalBytes: 10 * 1024 * 1024 });
    for (const item of items) {
      t += 1000;
      p.count(item);
    }
    p.onBytes(2 * 1024 * 1024);
    expect(writes).toEqual([]);
    p.finish();
    expect(writes).toEqual([
      'ingest: 1 documents, 3 skipped (warc.not-html=2 warc.not-response=1), 1 problems (ingest.too-large=1), 2.0 MB in 5.0 s, 0.2 docs/s, 0.4 MB/s\n',
    ]);
  });

  test('on a terminal: redrawn in place at most every 250 ms, with rate and ETA; problems printed on their own line', () => {
    const { out, writes } = fakeOut(true);
    let t = 0;
    const p = new Progress({ out, now: () => t, totalBytes: 10 * 1024 * 1024 });
    for (let i = 0; i < 100; i++) {
      t += 10; // 100 items over one second
      p.count(doc);
      p.onBytes((i + 1) * 20 * 1024);
    }
    const redraws = writes.filter((w) => w.startsWith('\r') && w.includes('ingest:'));
    expect(redraws.length).toBeGreaterThanOrEqual(4);
    expect(redraws.length).toBeLessThanOrEqual(5);
    const last = redraws[redraws.length - 1];
    expect(last).toMatch(/MB \(\d+%\)/);
    expect(last).toMatch(/ETA \d+:\d\d/);
    p.log('problem x');
    expect(writes.slice(-3)[0]).toBe('\r\x1b[K');
    expect(writes.slice(-3)[1]).toBe('problem x\n');
    p.finish();
    expect(writes[writes.length - 1]).toMatch(/^ingest: 0 documents, 100 skipped \(x=100\)/);
  });
});

describe('watch', () => {
  const logger = createLogger({}, 'error');

  test('state lives under the cache dir, keyed by folder and topic; written atomically', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-home-'));
    const prev = process.env.HUMPBACK_HOME;
    process.env.HUMPBACK_HOME = home;
    try {
      const file = watchStatePath('/data/crawl', 'documents');
      expect(file.startsWith(path.join(home, 'ingest') + path.sep)).toBe(true);
      expect(watchStatePath('/data/crawl', 'other')).not.toBe(file);
      const s = new WatchState(file, '/data/crawl', 'documents');
      s.add('a.warc.gz', { size: 10, mtimeMs: 5 });
      expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]); // no temp file left
      const again = new WatchState(file, '/data/crawl', 'documents');
      expect(again.has('a.warc.gz', { size: 10, mtimeMs: 5 })).toBe(true);
      expect(again.has('a.warc.gz', { size: 11, mtimeMs: 5 })).toBe(false);
    } finally {
      if (prev === undefined) delete process.env.HUMPBACK_HOME;
      else process.env.HUMPBACK_HOME = prev;
    }
  });

  test('ingests a settled new file once; remembers it only after ingestFile succeeded; a restart skips it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-watch-'));
    const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-state-')), 'state.json');
    fs.writeFileSync(path.join(dir, 'ignored.csv'), 'x');
    const seen: string[] = [];
    let fail = true;
    const run = (ingestFile: (f: string) => Promise<boolean>) => {
      const abort = new AbortController();
      const done = watchFolder({ dir, topic: 't', intervalMs: 20, signal: abort.signal, ingestFile, logger, stateFile });
      return { abort, done };
    };

    const first = run(async (f) => {
      seen.push(path.basename(f));
      if (fail) {
        fail = false;
        return false; // stopped part-way: not remembered, taken again
      }
      return true;
    });
    fs.writeFileSync(path.join(dir, 'crawl-1.warc.gz'), 'x');
    await waitFor(() => seen.length >= 2, { timeoutMs: 5000, what: 'the file ingested twice' });
    await new Promise((r) => setTimeout(r, 100));
    first.abort.abort();
    await first.done;
    expect(seen).toEqual(['crawl-1.warc.gz', 'crawl-1.warc.gz']);

    const second = run(async (f) => {
      seen.push(path.basename(f));
      return true;
    });
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'crawl-2.jsonl'), '{}');
    await waitFor(() => seen.length >= 3, { timeoutMs: 5000, what: 'the second file' });
    await new Promise((r) => setTimeout(r, 100));
    second.abort.abort();
    await second.done;
    expect(seen).toEqual(['crawl-1.warc.gz', 'crawl-1.warc.gz', 'crawl-2.jsonl']);
  });
});
