/**
 * Every `humpback demo` writes to a fresh namespace (`demo-<yyyymmdd-hhmmss>.*`). Left alone those
 * topics would pile up in the local broker run after run (and each start of it loads every
 * partition), so a demo removes the topics and consumer groups of all but the most recent runs.
 * The files of every run (snapshots, topology) stay in the demo's output folder.
 */
import type { Admin } from 'kafkajs';

const RUN = /^(demo-\d{8}-\d{6})\./;

export interface EarlierRuns {
  runs: string[];
  topics: string[];
  groups: string[];
}

/**
 * The demo runs older than the `keep` most recent ones, with their topics and groups. A run started
 * beside this one is among the most recent, so it is never pulled from under a running demo.
 */
export function earlierRuns(topics: readonly string[], groups: readonly string[], keep: number): EarlierRuns {
  const runOf = (name: string): string | undefined => RUN.exec(name)?.[1];
  const all = new Set([...topics, ...groups].flatMap((n) => runOf(n) ?? []));
  // The timestamp format sorts as text: newest first, then past the ones kept.
  const old = new Set([...all].sort().reverse().slice(keep));
  const inOld = (name: string): boolean => old.has(runOf(name) ?? '');
  return { runs: [...old], topics: topics.filter(inOld), groups: groups.filter(inOld) };
}

/** Deletes the topics and consumer groups of the demo runs `earlierRuns` picks. */
export async function removeEarlierDemoRuns(admin: Admin, keep: number): Promise<EarlierRuns> {
  const old = earlierRuns(await admin.listTopics(), (await admin.listGroups()).groups.map((g) => g.groupId), keep);
  // A group that cannot go (still has members) is only metadata: leave it rather than fail the demo.
  if (old.groups.length > 0) await admin.deleteGroups(old.groups).catch(() => undefined);
  if (old.topics.length > 0) await admin.deleteTopics({ topics: old.topics, timeout: 60_000 });
  return old;
}
