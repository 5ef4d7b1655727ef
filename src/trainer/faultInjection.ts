/**
 * Fault injection for tests, read in this one place: HUMPBACK_TRAINER_CRASH_AFTER=<point> makes the
 * trainer kill itself with SIGKILL (no cleanup, no flushing: a power cut as far as the process can
 * tell) right after that step of taking a snapshot. Points, in order:
 *   rename  the snapshot folder is in place; the index is not updated, offsets are not committed
 *   commit  offsets are committed; the hook has not run
 * test/integration/trainerCrash.test.ts uses it to prove a restart writes every example exactly once
 * and runs each hook once. Unset in production: then this is a no-op.
 */
export type CrashPoint = 'rename' | 'commit';

export function crashPointReached(point: CrashPoint, env: NodeJS.ProcessEnv = process.env): void {
  if (env.HUMPBACK_TRAINER_CRASH_AFTER !== point) return;
  process.stderr.write(`humpback: HUMPBACK_TRAINER_CRASH_AFTER=${point}: killing the trainer (test fault injection)\n`);
  process.kill(process.pid, 'SIGKILL');
}
