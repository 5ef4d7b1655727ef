/**
 * The faults, each a driver of one trial: what runs, what goes wrong when, and how it is repaired.
 * Every random choice comes from the trial's seeded Rng (trial.rng) and is written to its event log.
 */
import { killLocalBroker, startLocalBroker } from '../../src/dev/localBroker';
import type { Logger } from '../../src/core/logger';
import { sleep, type Supervisor, type Trial, type TrialConfig } from './trial';
import type { InputPlan } from './inputs';

export type FaultName = 'sigkill' | 'sigstop' | 'broker-kill9' | 'llm' | 'poison' | 'rebalance' | 'leader-kill9' | 'controller-kill9' | 'node-sigstop' | 'rolling-restart';

export interface Fault {
  name: FaultName;
  what: string;
  /** Input size and shape, LLM behaviour, pacing. */
  plan: Partial<InputPlan & Pick<TrialConfig, 'llmFaults' | 'latencyMs' | 'chunk' | 'chunkGapMs'>>;
  /** Runs the trial up to drained and stopped; the caller snapshots and verifies. */
  drive(t: Trial, ctx: DriveContext): Promise<void>;
  /** Needs a broker of its own (it is killed): trials run one at a time. */
  ownBroker?: boolean;
  /** Needs a three-node cluster of its own (its nodes are killed): trials run one at a time (clusterFaults.ts). */
  ownCluster?: boolean;
  /** Normal records may end in a dead-letter topic (with a reason) instead of a snapshot. */
  allowDeadLetteredNormal?: boolean;
}

export interface DriveContext {
  /** The private broker's home (ownBroker faults). */
  brokerHome?: string;
  /** The private three-node cluster's home (ownCluster faults). */
  clusterHome?: string;
  jarsDir?: string;
  logger: Logger;
}

const DRAIN_MS = 150_000;

/** Environment that makes a child process SIGKILL itself at the n-th `point` (test/faults/crashHook.js). */
export function crashAt(point: string, n: number): NodeJS.ProcessEnv {
  return { FAULT_CRASH: `${point}:${n}` };
}

/** Waits until `topic` (default: candidates) holds `min` records (work is under way), or `timeoutMs` passed (the fault lands anyway). */
export async function untilWorkUnderWay(t: Trial, min: number, topic = t.topics.candidates, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const admin = t.config.env.kafka.admin();
  await admin.connect();
  try {
    while (Date.now() < deadline) {
      const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
      if (offsets.reduce((n, o) => n + Number(o.high), 0) >= min) return;
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

export async function finish(t: Trial, producing: Promise<void>): Promise<void> {
  await producing;
  await t.waitDrained(DRAIN_MS);
  if (await t.disarm()) await t.waitDrained(DRAIN_MS);
  await t.stopAll();
}

export const FAULTS: Fault[] = [
  {
    name: 'sigkill',
    what: 'SIGKILL a stage process before a produce, after a produce (before its commit) or after a commit, and the trainer during a snapshot write; restart them',
    plan: {},
    async drive(t) {
      const r = t.rng;
      // Two kills of the stage process at different points, then a clean restart.
      const points = r.shuffle(['before-produce', 'after-produce', 'after-commit']).slice(0, 2);
      const stagePlan = points.map((p) => crashAt(p, p === 'after-commit' ? r.int(1, 6) : r.int(1, 40)));
      // The trainer (snapshots every 25 examples) killed while it writes a snapshot, or right after the
      // rename / the commit (the trainer's own crash points), then restarted.
      const trainerFault = r.pick(['fsync', 'before-rename', 'after-rename', 'after-commit']);
      const trainerPlan =
        trainerFault === 'fsync'
          ? [crashAt('fsync', r.int(1, 8))]
          : trainerFault === 'before-rename'
            ? [crashAt('before-rename', r.int(1, 2))]
            : [{ HUMPBACK_TRAINER_CRASH_AFTER: trainerFault === 'after-rename' ? 'rename' : 'commit' }];
      const producing = t.produce();
      t.replica('run', 'stages', stagePlan);
      const trainer = t.replica('trainer', 'trainer', trainerPlan);
      // The trainer stops (SIGTERM) part way: what it has not snapshotted is left to `humpback
      // snapshot`, killed mid-write first (then the trial's own snapshot finishes the job).
      await untilWorkUnderWay(t, r.int(50, 110), t.topics.curated, 90_000);
      const stopped = trainer.current.label;
      await trainer.stop();
      t.event(`stopped the trainer (${stopped}) [${await t.progress()}]`);
      await finish(t, producing);
      const snapshotFault = r.pick([crashAt('fsync', r.int(1, 5)), crashAt('before-rename', 1), { HUMPBACK_TRAINER_CRASH_AFTER: 'rename' }, { HUMPBACK_TRAINER_CRASH_AFTER: 'commit' }]);
      const killed = await t.snapshot(snapshotFault);
      const injected = /fault-injection: (.*)|HUMPBACK_TRAINER_CRASH_AFTER=\w+/.exec(killed.stderr)?.[0];
      t.event(`humpback snapshot with fault ${JSON.stringify(snapshotFault)}: ${killed.signal ?? `exit ${String(killed.code)}`}${injected ? ` (${injected})` : ' (fault not reached)'}`);
    },
  },
  {
    name: 'sigstop',
    what: 'SIGSTOP one of two replicas past the session timeout (6 s), then SIGCONT: its stale work must add nothing wrong',
    plan: { latencyMs: 40 },
    async drive(t) {
      const r = t.rng;
      const producing = t.produce();
      const replicas = [t.replica('run', 'a'), t.replica('run', 'b')];
      await untilWorkUnderWay(t, r.int(5, 60));
      const victim = r.pick(replicas);
      const pausedMs = 6000 + r.int(1000, 5000);
      const proc = victim.current;
      proc.signal('SIGSTOP');
      t.event(`SIGSTOP ${proc.label} for ${pausedMs} ms [${await t.progress()}]`);
      await sleep(pausedMs);
      proc.signal('SIGCONT');
      t.event(`SIGCONT ${proc.label}`);
      await finish(t, producing);
    },
  },
  {
    name: 'broker-kill9',
    what: 'kill -9 the broker mid-stream and restart it on the same data directory and port',
    ownBroker: true,
    plan: { latencyMs: 40 },
    async drive(t, ctx) {
      const r = t.rng;
      if (!ctx.brokerHome) throw new Error('broker-kill9 needs its own broker');
      const producing = t.produce();
      t.replica('run', 'stages');
      await untilWorkUnderWay(t, r.int(5, 80));
      await producing; // the test's own producer is not what is under test
      const before = await t.progress();
      const pid = await killLocalBroker('SIGKILL', { home: ctx.brokerHome });
      const downMs = r.int(0, 3000);
      t.event(`kill -9 broker pid ${String(pid)}; down for ${downMs} ms [${before}]`);
      await sleep(downMs);
      const back = await startLocalBroker({ home: ctx.brokerHome, jarsDir: ctx.jarsDir, logger: ctx.logger });
      t.event(`broker back (pid ${back.pid}, ${back.startMs} ms)`);
      await finish(t, Promise.resolve());
    },
  },
  {
    name: 'llm',
    what: 'the LLM server answers 5xx, hangs, resets connections or returns garbage (seeded, per request)',
    plan: { llmFaults: true },
    allowDeadLetteredNormal: true,
    async drive(t) {
      const producing = t.produce();
      t.replica('run', 'stages');
      await finish(t, producing);
      t.event(`fake LLM: ${t.llm.stats.requests} requests, injected ${JSON.stringify(t.llm.stats.injected)}`);
    },
  },
  {
    name: 'poison',
    what: 'poison records of every kind: bad magic byte, unknown schema id, truncated payload and header, trailing bytes, wrong schema, tombstone, an LLM 400, an unscorable pair',
    plan: { poisonPerKind: 4 },
    async drive(t) {
      const producing = t.produce();
      t.replica('run', 'stages');
      await finish(t, producing);
    },
  },
  {
    name: 'rebalance',
    what: 'add and remove replicas of the stages under load (rebalances in all three groups)',
    plan: { latencyMs: 30, chunkGapMs: 300 },
    async drive(t) {
      const r = t.rng;
      const producing = t.produce();
      const live: Supervisor[] = [t.replica('run', 'r1')];
      let n = 1;
      for (const step of ['add', 'add', r.pick(['remove', 'add']), 'remove', r.pick(['remove', 'add'])]) {
        await sleep(r.int(300, 1500));
        if (step === 'add' || live.length === 1) {
          n += 1;
          t.event(`adding r${n} [${await t.progress()}]`);
          live.push(t.replica('run', `r${n}`));
        } else {
          const [gone] = live.splice(r.int(0, live.length - 1), 1);
          t.event(`removing ${gone.current.label} (SIGTERM) [${await t.progress()}]`);
          void gone.stop();
        }
      }
      await finish(t, producing);
    },
  },
];
