import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { replaceFileAtomically } from '../util/durable';
import type { Manifest } from './manifest';

/**
 * The "snapshot finished" hook: a shell command given the folder, and/or an HTTP POST. It runs at
 * most once per snapshot: `<snapshot>/hook.json` is written as "started" before it runs and holds the
 * outcome after. A snapshot without hook.json (a crash before the hook) gets its run at the next
 * start; one left "started" (a crash during the hook) is marked "interrupted" and not run again,
 * because starting a training job twice costs more than asking a human to start it once.
 */
export interface HookConfig {
  command?: string;
  url?: string;
  timeoutMs: number;
}

export type HookOutcome = 'ok' | 'failed' | 'timeout' | 'interrupted';

export interface HookResult {
  kind: 'command' | 'url';
  outcome: Exclude<HookOutcome, 'interrupted'>;
  duration_ms: number;
  detail: string;
}

export interface HookRecord {
  /** none: no hook was configured when the snapshot was written (adding one later does not run it for old snapshots). */
  status: 'none' | 'started' | HookOutcome;
  started_at: string;
  finished_at?: string;
  results: HookResult[];
}

export const HOOK_FILE = 'hook.json';
const TAIL = 2000;

/** What the writer puts in a snapshot taken without a hook. */
export function noHookRecord(now: Date): HookRecord {
  return { status: 'none', started_at: now.toISOString(), results: [] };
}

export function readHookRecord(dir: string): HookRecord | undefined {
  const file = path.join(dir, HOOK_FILE);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as HookRecord;
}

/** Runs hooks in the background, one per snapshot, so consuming goes on while a training job starts. */
export class HookRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly hook: HookConfig,
    private readonly logger: Logger,
    private readonly onOutcome: (status: HookRecord['status']) => void = () => undefined,
  ) {}

  start(dir: string, manifest: Pick<Manifest, 'id' | 'counts' | 'iteration' | 'format'>): void {
    const task = runHookOnce(this.hook, dir, manifest, this.logger)
      .then((record) => this.onOutcome(record.status))
      .catch((err: unknown) => this.logger.error('snapshot hook could not run', { dir, error: errorMessage(err) }))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Waits for running hooks; each is bounded by its timeoutMs. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}

/** Runs the hook for a finished snapshot unless hook.json says it ran (or started) already. */
export async function runHookOnce(hook: HookConfig, dir: string, manifest: Pick<Manifest, 'id' | 'counts' | 'iteration' | 'format'>, logger: Logger): Promise<HookRecord> {
  const file = path.join(dir, HOOK_FILE);
  const previous = readHookRecord(dir);
  if (previous?.status === 'started') {
    const interrupted: HookRecord = { ...previous, status: 'interrupted', finished_at: new Date().toISOString() };
    replaceFileAtomically(file, JSON.stringify(interrupted, null, 2) + '\n');
    logger.warn('the hook of this snapshot was interrupted by a crash; not running it again', { snapshot: manifest.id, dir });
    return interrupted;
  }
  if (previous !== undefined) return previous;

  const started: HookRecord = { status: 'started', started_at: new Date().toISOString(), results: [] };
  replaceFileAtomically(file, JSON.stringify(started, null, 2) + '\n');
  const results: HookResult[] = [];
  if (hook.command !== undefined) results.push(await runCommand(hook.command, dir, manifest.id, hook.timeoutMs));
  if (hook.url !== undefined) results.push(await postJson(hook.url, { ...manifest, dir }, hook.timeoutMs));
  const failed = results.find((r) => r.outcome !== 'ok');
  const record: HookRecord = { ...started, status: failed?.outcome ?? 'ok', finished_at: new Date().toISOString(), results };
  replaceFileAtomically(file, JSON.stringify(record, null, 2) + '\n');
  const fields = { snapshot: manifest.id, status: record.status, results: results.map((r) => `${r.kind}:${r.outcome}`) };
  if (failed) logger.warn('snapshot hook failed', { ...fields, detail: failed.detail });
  else logger.info('snapshot hook finished', fields);
  return record;
}

function runCommand(command: string, dir: string, id: string, timeoutMs: number): Promise<HookResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // sh -c '<command>' humpback-hook <dir>: the folder is $1 and $HUMPBACK_SNAPSHOT_DIR.
    // Its own process group, so a timeout kills what the shell started too (e.g. `sleep`, a launcher).
    const child = spawn('/bin/sh', ['-c', command, 'humpback-hook', dir], {
      env: { ...process.env, HUMPBACK_SNAPSHOT_DIR: dir, HUMPBACK_SNAPSHOT_ID: id },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-TAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already; the shell itself may not be
      }
    }, timeoutMs);
    const finish = (outcome: HookResult['outcome'], detail: string): void => {
      clearTimeout(timer);
      resolve({ kind: 'command', outcome, duration_ms: Date.now() - started, detail });
    };
    child.on('error', (err) => finish('failed', `cannot start: ${errorMessage(err)}`));
    // 'exit', not 'close': a command may leave a job running in the background holding its output open.
    child.on('exit', (code, signal) => {
      setImmediate(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        if (timedOut) finish('timeout', `killed after ${timeoutMs} ms; output: ${output}`);
        else finish(code === 0 ? 'ok' : 'failed', `exit ${code ?? signal}; output: ${output}`);
      });
    });
  });
}

async function postJson(url: string, body: object, timeoutMs: number): Promise<HookResult> {
  const started = Date.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    const text = (await res.text()).slice(0, TAIL);
    return { kind: 'url', outcome: res.ok ? 'ok' : 'failed', duration_ms: Date.now() - started, detail: `HTTP ${res.status}: ${text}` };
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return { kind: 'url', outcome: timedOut ? 'timeout' : 'failed', duration_ms: Date.now() - started, detail: errorMessage(err) };
  }
}
