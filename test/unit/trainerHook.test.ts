import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/core/logger';
import { HOOK_FILE, readHookRecord, runHookOnce, type HookRecord } from '../../src/trainer/hook';

const logger = createLogger({}, 'error');
const manifest = { id: 'snap-1', counts: { records: 1, examples: 1, augmented: 1, seed: 0, seed_from_file: 0, duplicates_dropped: 0, by_tier: { '5': 1 } }, iteration: 1, format: 'chat' as const };

let dir: string;
let runs: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-hook-'));
  runs = path.join(dir, '..', `${path.basename(dir)}.runs`);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(runs, { force: true });
});

const runCount = (): number => (fs.existsSync(runs) ? fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);

describe('snapshot hook', () => {
  it('runs a command with the folder as $1 once, and records the outcome in hook.json', async () => {
    const hook = { command: `echo "$1 $HUMPBACK_SNAPSHOT_ID" >> ${runs}`, timeoutMs: 10_000 };
    const record = await runHookOnce(hook, dir, manifest, logger);
    expect(record.status).toBe('ok');
    expect(fs.readFileSync(runs, 'utf8')).toBe(`${dir} snap-1\n`);
    expect(readHookRecord(dir)).toEqual(record);
    // Asked again (a restart): hook.json says it ran, so it does not run twice.
    expect(await runHookOnce(hook, dir, manifest, logger)).toEqual(record);
    expect(runCount()).toBe(1);
  });

  it('records a failing command and its output', async () => {
    const record = await runHookOnce({ command: 'echo boom >&2; exit 3', timeoutMs: 10_000 }, dir, manifest, logger);
    expect(record.status).toBe('failed');
    expect(record.results[0].detail).toContain('exit 3');
    expect(record.results[0].detail).toContain('boom');
  });

  it('kills a command that outlives timeoutMs', async () => {
    const record = await runHookOnce({ command: 'sleep 5', timeoutMs: 100 }, dir, manifest, logger);
    expect(record.status).toBe('timeout');
  });

  it('returns when the command exits, leaving a job it started in the background running', async () => {
    const started = Date.now();
    const record = await runHookOnce({ command: 'sleep 3 & echo launched', timeoutMs: 2000 }, dir, manifest, logger);
    expect(record.status).toBe('ok');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('does not rerun a hook a crash interrupted: it is marked interrupted', async () => {
    const started: HookRecord = { status: 'started', started_at: new Date().toISOString(), results: [] };
    fs.writeFileSync(path.join(dir, HOOK_FILE), JSON.stringify(started));
    const record = await runHookOnce({ command: `echo x >> ${runs}`, timeoutMs: 10_000 }, dir, manifest, logger);
    expect(record.status).toBe('interrupted');
    expect(runCount()).toBe(0);
  });

  it('POSTs the snapshot to a URL', async () => {
    const bodies: unknown[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.end('started');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const record = await runHookOnce({ url, timeoutMs: 10_000 }, dir, manifest, logger);
      expect(record.status).toBe('ok');
      expect(bodies).toEqual([expect.objectContaining({ id: 'snap-1', dir, iteration: 1 })]);
    } finally {
      server.close();
    }
  });
});
