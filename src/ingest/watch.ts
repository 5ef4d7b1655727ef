import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import type { Logger } from '../core/logger';
import { replaceFileAtomically } from '../util/durable';
import { cacheDir } from '../util/paths';
import { hasKnownExtension } from './detect';

/** A file as the watcher last saw it. */
interface Seen {
  size: number;
  mtimeMs: number;
}

interface StateFile {
  dir: string;
  topic: string;
  /** Relative path -> the size and mtime it had when its documents were acknowledged. */
  files: Record<string, Seen & { ingestedAt: string }>;
}

/** `<cacheDir>/ingest/<hash of absolute DIR + topic>.json`: one memory per (folder, topic) pair. */
export function watchStatePath(dir: string, topic: string): string {
  const hash = crypto.createHash('sha256').update(`${path.resolve(dir)}\0${topic}`).digest('hex').slice(0, 16);
  return path.join(cacheDir(), 'ingest', `${hash}.json`);
}


/** Which files of a folder were ingested, kept across restarts. */
export class WatchState {
  private state: StateFile;

  constructor(
    readonly file: string,
    dir: string,
    topic: string,
  ) {
    this.state = { dir: path.resolve(dir), topic, files: {} };
    try {
      const loaded = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StateFile>;
      if (loaded.files && typeof loaded.files === 'object') this.state.files = loaded.files;
    } catch {
      // missing (first run) or unreadable: start empty; at worst files are ingested again (same keys)
    }
  }

  /** Ingested already, with this very size and mtime (a file rewritten since is new again). */
  has(rel: string, seen: Seen): boolean {
    const f = this.state.files[rel];
    return f !== undefined && f.size === seen.size && f.mtimeMs === seen.mtimeMs;
  }

  add(rel: string, seen: Seen, now: Date = new Date()): void {
    this.state.files[rel] = { size: seen.size, mtimeMs: seen.mtimeMs, ingestedAt: now.toISOString() };
    writeState(this.file, JSON.stringify(this.state, null, 2) + '\n');
  }

  get count(): number {
    return Object.keys(this.state.files).length;
  }
}

export interface WatchOptions {
  dir: string;
  topic: string;
  /** Poll period; a file is taken once its size and mtime did not change across two polls. */
  intervalMs: number;
  signal: AbortSignal;
  /** Reads one file to the broker; resolves true once its records are acknowledged, false if stopped part-way. */
  ingestFile: (file: string) => Promise<boolean>;
  logger: Logger;
  /** Default watchStatePath(dir, topic). */
  stateFile?: string;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

async function listFiles(dir: string): Promise<Map<string, Seen>> {
  const entries = await fg('**/*', { cwd: dir, onlyFiles: true, stats: true, suppressErrors: true });
  const out = new Map<string, Seen>();
  for (const e of entries.sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (e.stats && hasKnownExtension(e.path)) out.set(e.path, { size: e.stats.size, mtimeMs: e.stats.mtimeMs });
  }
  return out;
}

/**
 * Polls `dir` (fs.watch misses events on network and container filesystems) and ingests each new
 * crawl file once, when it has settled (a writer may still be appending). A file is remembered only
 * after its documents are acknowledged, so a crash mid-file means it is read again on restart
 * (at-least-once; the same keys make the repeat recognisable). Resolves when `signal` aborts.
 */
export async function watchFolder(o: WatchOptions): Promise<void> {
  const state = new WatchState(o.stateFile ?? watchStatePath(o.dir, o.topic), o.dir, o.topic);
  o.logger.info('watching for new crawl files', { dir: o.dir, topic: o.topic, everyMs: o.intervalMs, remembered: state.count, state: state.file });
  const candidates = new Map<string, Seen>();
  while (!o.signal.aborted) {
    let files: Map<string, Seen>;
    try {
      files = await listFiles(o.dir);
    } catch (err) {
      o.logger.warn('cannot list the watched folder; trying again', { dir: o.dir, error: (err as Error).message });
      files = new Map();
    }
    for (const [rel, seen] of files) {
      if (o.signal.aborted) break;
      if (state.has(rel, seen)) continue;
      const before = candidates.get(rel);
      if (!before || before.size !== seen.size || before.mtimeMs !== seen.mtimeMs) {
        candidates.set(rel, seen); // new or still growing: look again next poll
        continue;
      }
      const file = path.join(o.dir, rel);
      o.logger.info('ingesting new file', { file, bytes: seen.size });
      if (await o.ingestFile(file)) {
        state.add(rel, seen);
        candidates.delete(rel);
      }
    }
    // Forget candidates that went away (deleted or renamed before settling).
    for (const rel of candidates.keys()) if (!files.has(rel)) candidates.delete(rel);
    await sleep(o.intervalMs, o.signal);
  }
}

/** A crash leaves the old state or the new one, never half. */
function writeState(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  replaceFileAtomically(file, text);
}
