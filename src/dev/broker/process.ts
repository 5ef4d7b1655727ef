import fs from 'node:fs';
import { HumpbackError } from '../../core/errors';
import type { Logger } from '../../core/logger';

/**
 * True when `pid` is alive and, where /proc exists, its command line contains `marker`: a pid file
 * can outlive a reboot and its pid be reused by something else, which we must never signal.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone; EPERM: alive but not ours to signal, so not a broker we started.
    return false;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // A zombie (exited, not yet reaped) has an empty command line.
    return cmdline.includes(marker);
  } catch {
    return process.platform !== 'linux';
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until the process is gone; true if it exited within the timeout. */
export async function waitForExit(pid: number, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isOurProcess(pid, marker)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The pid of a broker we started that is still alive (the pid file alone may be stale). */
export function livePid(layout: { pidFile: string; propsFile: string }): number | undefined {
  const pid = readPid(layout.pidFile);
  return pid !== undefined && isOurProcess(pid, layout.propsFile) ? pid : undefined;
}

/** Sends `signal` without any clean-up; after SIGKILL waits (10 s at most) until the pid is gone. */
export async function signalBroker(pid: number, signal: NodeJS.Signals, marker: string): Promise<void> {
  process.kill(pid, signal);
  if (signal === 'SIGKILL') await waitForExit(pid, marker, 10_000);
}

/** SIGTERM (Kafka shuts down cleanly), SIGKILL after 30 s; throws if even that leaves it alive. */
export async function terminateBroker(pid: number, marker: string, logger?: Logger, name = 'Kafka broker'): Promise<void> {
  // One left SIGSTOPped (a fault test) would not act on SIGTERM until continued.
  process.kill(pid, 'SIGCONT');
  process.kill(pid, 'SIGTERM');
  if (await waitForExit(pid, marker, 30_000)) return;
  logger?.warn(`${name} did not stop within 30 s; killing it`, { pid });
  process.kill(pid, 'SIGKILL');
  if (!(await waitForExit(pid, marker, 10_000))) throw new HumpbackError(`${name} pid ${pid} survived SIGKILL`);
}

/** The last lines of a file from byte `from` on (the part a failed start wrote), for error messages. */
export function tailFile(file: string, lines = 25, from = 0): string {
  try {
    const buf = fs.readFileSync(file);
    const text = buf.subarray(Math.min(from, buf.length)).toString('utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
