/**
 * The long-lived trainer (`humpback trainer`) killed with SIGKILL between writing a snapshot and
 * committing its offsets (fault injection: HUMPBACK_TRAINER_CRASH_AFTER, src/trainer/faultInjection.ts),
 * then restarted: every curated example lands in exactly one snapshot, none is missing, and each
 * snapshot's hook runs once.
 */
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import type { CuratedExampleRecord } from '../../src/records/types';
import { readHookRecord } from '../../src/trainer/hook';
import { testKafka, waitFor } from '../helpers/kafka';
import { groupCaughtUp, produceRecords } from '../helpers/pipeline';
import { chatMessages, curatedExample, manifestProblems, readSnapshots } from '../helpers/snapshots';
import { hookRuns, runTrainerCli, startTrainerCli, trainerTopology, type TrainerTestSetup } from '../helpers/trainerCli';

const kafka = testKafka();
let serde: Serde;
beforeAll(async () => {
  serde = await createSerde();
});

const UNIQUE = 34;
// 10 new examples make a snapshot; the rest goes out after 3 s. A 6 s session lets the restarted
// trainer take over the killed one's partitions quickly.
const POLICY = '  every: { examples: 10, minutes: 0.05 }\n  sessionTimeoutMs: 6000\n';

async function produce(setup: TrainerTestSetup): Promise<CuratedExampleRecord[]> {
  const unique = Array.from({ length: UNIQUE }, (_, i) => curatedExample(i));
  const values = [...unique, ...unique.slice(10, 16)]; // six arrive twice
  await produceRecords(kafka, serde, setup.topic, 'humpback.CuratedExample', values.map((value) => ({ key: value.example_id, value })));
  return unique;
}

const userTurns = (setup: TrainerTestSetup): string[] => readSnapshots(setup.outDir).flatMap((s) => s.lines.map((l) => chatMessages(l)[1].content));

async function crashThenRestart(point: 'rename' | 'commit'): Promise<void> {
  const setup = await trainerTopology(kafka, POLICY);
  const unique = await produce(setup);

  const crashing = startTrainerCli(['trainer', '--topology', setup.file], { HUMPBACK_TRAINER_CRASH_AFTER: point });
  const { signal } = await crashing.exited;
  expect(signal).toBe('SIGKILL');
  expect(crashing.stderr()).toContain(`HUMPBACK_TRAINER_CRASH_AFTER=${point}`);
  const [crashed, ...more] = readSnapshots(setup.outDir);
  expect(more).toEqual([]);
  expect(readHookRecord(crashed.dir)).toBeUndefined(); // killed before its hook
  expect(await groupCaughtUp(kafka, setup.group, setup.topic)).toBe(false);

  const restarted = startTrainerCli(['trainer', '--topology', setup.file]);
  try {
    await waitFor(() => new Set(userTurns(setup)).size === UNIQUE + 2, { timeoutMs: 90_000, what: `all ${UNIQUE} examples and 2 seed pairs in snapshots` });
    await waitFor(() => groupCaughtUp(kafka, setup.group, setup.topic), { timeoutMs: 30_000, what: 'the trainer group committed to the end' });
    await waitFor(() => readSnapshots(setup.outDir).every((s) => readHookRecord(s.dir)?.status === 'ok'), { timeoutMs: 30_000, what: 'every hook finished' });
  } finally {
    restarted.child.kill('SIGTERM');
  }
  expect(await restarted.exited).toEqual({ code: 0, signal: null });

  const snapshots = readSnapshots(setup.outDir);
  expect(snapshots.length).toBeGreaterThan(1);
  for (const s of snapshots) expect(manifestProblems(s.dir)).toEqual([]);
  // Exactly once: no line twice across snapshots, and every example (and the two seeds mixed in) present.
  const turns = userTurns(setup);
  expect([...turns].sort()).toEqual([...unique.map((u) => u.instruction), 'Seed question 1?', 'Seed question 2?'].sort());
  // Offsets: no two snapshots cover the same record.
  const covered = snapshots.flatMap((s) => s.manifest.offsets.flatMap((r) => Array.from({ length: r.to - r.from + 1 }, (_, i) => `${r.partition}:${r.from + i}`)));
  expect(new Set(covered).size).toBe(covered.length);
  // The hook ran once per snapshot, the crashed one included.
  expect(hookRuns(setup).sort()).toEqual(snapshots.map((s) => s.dir).sort());
  expect(restarted.stderr()).not.toMatch(/ ERROR /);
}

it('writes every example exactly once when killed after the rename, before the commit', async () => {
  await crashThenRestart('rename');
});

it('runs the hook of a snapshot once when killed after the commit, before the hook', async () => {
  await crashThenRestart('commit');
});

it('stops on SIGTERM without a partial snapshot: buffered records stay uncommitted for the next run', async () => {
  const setup = await trainerTopology(kafka, '  every: { examples: 1000, minutes: 60 }\n  sessionTimeoutMs: 6000\n', { partitions: 1 });
  const unique = await produce(setup);
  const trainer = startTrainerCli(['trainer', '--topology', setup.file]);
  // Logged when the first batch is taken in; the stop waits for that batch to be buffered.
  await waitFor(() => trainer.stderr().includes('reading partition'), { timeoutMs: 60_000, what: 'the trainer reading its partition' });
  trainer.child.kill('SIGTERM');
  expect(await trainer.exited).toEqual({ code: 0, signal: null });
  expect(readSnapshots(setup.outDir)).toEqual([]);
  expect(await groupCaughtUp(kafka, setup.group, setup.topic)).toBe(false);

  const snapshot = await runTrainerCli(['snapshot', '--topology', setup.file]);
  expect(snapshot.code).toBe(0);
  expect(userTurns(setup).filter((t) => t.startsWith('Question')).sort()).toEqual(unique.map((u) => u.instruction).sort());
});
