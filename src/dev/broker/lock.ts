import fs from 'node:fs';
import { HumpbackError } from '../../core/errors';
import { sleep } from './process';

/** A lock file whose content is still empty this long after creation belongs to a crashed writer. */
const EMPTY_LOCK_STALE_MS = 10_000;

function holderPid(file: string): { pid?: number; ageMs: number } | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    const ageMs = Date.now() - fs.statSync(file).mtimeMs;
    const pid = Number(text);
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, ageMs };
  } catch {
    return undefined; // gone in the meantime: just try again
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock if its holder is dead. Re-reads right before unlinking to keep the race window tiny. */
function breakIfStale(file: string): void {
  const h = holderPid(file);
  if (!h) return;
  const stale = h.pid === undefined ? h.ageMs > EMPTY_LOCK_STALE_MS : !alive(h.pid);
  if (!stale) return;
  const again = holderPid(file);
  if (again && again.pid === h.pid) fs.rmSync(file, { force: true });
}

/**
 * Runs `fn` while holding an exclusive lock file (O_EXCL create holding our pid), so that two
 * processes (e.g. jest workers) starting the broker at once do not start two. A lock left by a dead
 * process is broken. Waits up to `timeoutMs` (a first start downloads jars, so this is long).
 */
export async function withLockFile<T>(
  file: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; onWait?: (holder: number | undefined) => void } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let warned = false;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        fs.writeSync(fd, String(process.pid));
      } finally {
        fs.closeSync(fd);
      }
      break;
    }
    breakIfStale(file);
    if (Date.now() > deadline) {
      throw new HumpbackError(`Timed out waiting for lock ${file} (held by pid ${holderPid(file)?.pid ?? '?'}); if no humpback process is running, delete it`);
    }
    if (!warned) {
      opts.onWait?.(holderPid(file)?.pid);
      warned = true;
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
