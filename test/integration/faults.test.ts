/**
 * Issue 7: the fault-injection suite. Each fault runs FAULT_TRIALS trials (3 here, 20 in
 * `npm run test:faults`); a trial is a fresh namespace fed keyed records with a sequence number per
 * key plus poison of every kind, run through backtranslate -> score -> tier-filter as `humpback run`
 * child processes against the fake LLM, with the fault injected at seeded random points; then
 * `humpback snapshot` and the verifier (test/faults/verify.ts). Lost and duplicated must be 0 in the
 * curated snapshots, every poison record in its dead-letter topic with the expected reason, per-key
 * order kept, every group committed to the end. The fault table is printed at the end.
 *
 * Environment: FAULT_TRIALS (trials per fault), FAULT_ONLY (comma-separated fault names), FAULT_SEED
 * (trial i of each fault gets seed FAULT_SEED + i: reproduce a failed trial with FAULT_SEED=<its seed>
 * FAULT_TRIALS=1 FAULT_ONLY=<fault>), FAULT_CONCURRENCY (trials at once over all faults, default 4), FAULT_KEEP=1
 * (keep every trial's folder, not only failed ones), FAULT_STRICT=0 (the engine bugs the suite
 * found, test/faults/trial.ts KNOWN, are only reported in the table instead of failing their trials).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKafka } from '../../src/kafka/brokers';
import { defaultJarsDir } from '../../src/dev/broker/layout';
import { startLocalBroker, stopLocalBroker } from '../../src/dev/localBroker';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { createLogger } from '../../src/core/logger';
import { testBrokers, testKafka, uniqueName } from '../helpers/kafka';
import { FAULTS, type DriveContext, type Fault } from '../faults/faults';
import { CLUSTER_FAULTS } from '../faults/clusterFaults';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { CLUSTER_TOPIC_DEFAULTS } from '../../src/dev/localCluster';
import { randomSeed, rng } from '../faults/prng';
import { faultTable, STRICT, trialLine, trialPassed } from '../faults/report';
import { Trial, type FaultEnv, type TrialConfig } from '../faults/trial';
import { account, verifyTrial, type Observations, type TrialResult } from '../faults/verify';
import { buildInputs, idInText, POISON_EXPECTED, type InputRecord } from '../faults/inputs';
import { questionFor } from '../faults/fakeLlm';

const TRIALS = Number(process.env.FAULT_TRIALS ?? 3);
const ONLY = (process.env.FAULT_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const CONCURRENCY = Math.max(1, Number(process.env.FAULT_CONCURRENCY ?? 4));
const KEEP = process.env.FAULT_KEEP === '1';
// The cluster faults run only when named (npm run test:faults:cluster): each trial restarts nodes of a three-node cluster.
const ALL_FAULTS = [...FAULTS, ...CLUSTER_FAULTS];
const selected = ALL_FAULTS.filter((f) => (ONLY.length === 0 ? !f.ownCluster : ONLY.includes(f.name)));
const unknown = ONLY.filter((n) => !ALL_FAULTS.some((f) => f.name === n));
if (unknown.length > 0) throw new Error(`FAULT_ONLY: unknown fault(s) ${unknown.join(', ')}; faults: ${ALL_FAULTS.map((f) => f.name).join(', ')}`);

const seedsOf = (): number[] => {
  const base = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : randomSeed();
  return Array.from({ length: TRIALS }, (_, i) => (base + i) % 2 ** 31);
};

const DEFAULTS: Omit<TrialConfig, 'fault' | 'trial' | 'seed' | 'env'> = {
  keyed: 150,
  perKey: 6,
  poisonPerKind: 1,
  llmFaults: false,
  latencyMs: 20,
  chunk: 20,
  chunkGapMs: 200,
};

const quiet = createLogger({ component: 'faults' }, 'warn');
const results: TrialResult[] = [];
const reportFile = path.join(os.tmpdir(), `humpback-faults-${Date.now()}.txt`);
const out = (text: string): void => {
  process.stdout.write(text);
  fs.appendFileSync(reportFile, text);
};

let serde: Serde;
beforeAll(async () => {
  serde = await createSerde();
  out(`fault suite: ${TRIALS} trial(s) per fault, ${CONCURRENCY} at once; report in ${reportFile}\n`);
});

afterAll(() => {
  if (results.length === 0) return;
  out(
    `\nfault table (${TRIALS} trial(s) per fault; lost and duplicated count curated snapshot lines; redone = outputs a stage wrote again (at-least-once); sent again = records re-sent after a produce call resolved without their partition (kafkajs#1303);` +
      ` known issues = engine bugs met, see test/faults/trial.ts KNOWN${STRICT ? '' : ', not failed on with FAULT_STRICT=0'}):\n${faultTable(selected.map((f) => f.name), results)}`,
  );
});

async function runTrial(fault: Fault, trial: number, seed: number, env: FaultEnv, ctx: DriveContext): Promise<TrialResult> {
  const config: TrialConfig = { ...DEFAULTS, ...fault.plan, fault: fault.name, trial, seed, env };
  const t = await Trial.create(config);
  let result: TrialResult;
  try {
    await withDeadline(fault.drive(t, ctx), TRIAL_DEADLINE_MS, `the trial did not finish within ${TRIAL_DEADLINE_MS / 1000} s`);
    const snap = await t.snapshot();
    t.event(`humpback snapshot exited ${String(snap.code ?? snap.signal)}`);
    if (snap.code !== 0) t.problems.push(`humpback snapshot exited ${String(snap.code)}: ${snap.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    result = await verifyTrial(t, { allowDeadLetteredNormal: fault.allowDeadLetteredNormal === true });
    t.event('verified');
  } catch (err) {
    t.event(`trial aborted: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    result = {
      fault: fault.name,
      trial,
      seed,
      recordsIn: t.inputs.length,
      curatedOut: 0,
      lost: 0,
      duplicated: 0,
      deadLettered: 0,
      outOfOrder: 0,
      offsetsBehind: 0,
      redone: 0,
      resent: t.resentRecords(),
      snapshots: 0,
      known: t.known,
      ms: Date.now() - t.t0,
      problems: [...t.problems, `trial aborted: ${err instanceof Error ? err.message : String(err)}`],
      events: t.events,
    };
  }
  const passed = trialPassed(result);
  let where = '';
  if (!passed || KEEP) where = `; files and process logs in ${path.dirname(t.writeLogs())}`;
  await t.dispose(!passed || KEEP);
  out(`${trialLine(result)}${where}\n    ${result.events.join('\n    ')}\n`);
  if (result.known.length > 0) out(`    KNOWN ISSUES${STRICT ? '' : ' (reported, not failed on with FAULT_STRICT=0)'}:\n      ${result.known.join('\n      ')}\n`);
  if (!passed) out(`    PROBLEMS:\n      ${result.problems.slice(0, 30).join('\n      ')}\n    reproduce: FAULT_SEED=${seed} FAULT_TRIALS=1 FAULT_ONLY=${fault.name} npx jest test/integration/faults.test.ts --selectProjects integration\n`);
  return result;
}

const TRIAL_DEADLINE_MS = 300_000;

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** A counting semaphore: at most `limit` trials at once across all faults. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

/** The broker the broker-kill9 trials kill and restart (one at a time): never the shared one. */
interface OwnBroker {
  home: string;
  env: FaultEnv;
}
let ownBroker: Promise<OwnBroker> | undefined;
function startOwnBroker(): Promise<OwnBroker> {
  ownBroker ??= (async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-faults-broker-'));
    const broker = await startLocalBroker({ home, jarsDir: defaultJarsDir(), logger: quiet });
    return { home, env: { brokers: broker.brokers, kafka: createKafka([broker.brokers], uniqueName('faults'), quiet), serde } };
  })();
  return ownBroker;
}

/** The three-node cluster the cluster faults hurt (one trial at a time), started on first use. */
let ownCluster: Promise<{ cluster: TestCluster; env: FaultEnv }> | undefined;
function startOwnCluster(): Promise<{ cluster: TestCluster; env: FaultEnv }> {
  ownCluster ??= (async () => {
    const cluster = await startTestCluster();
    return { cluster, env: { brokers: cluster.brokers, kafka: createKafka(cluster.brokers.split(','), uniqueName('faults-cluster'), quiet), serde, replicationFactor: CLUSTER_TOPIC_DEFAULTS.replicationFactor } };
  })();
  return ownCluster;
}

/**
 * Every trial of every selected fault, scheduled at once on a shared pool (trials wait on the broker,
 * the fake LLM and timeouts far more than on the CPU), in rounds so each fault progresses evenly.
 * Trials that kill the broker run one after another in a lane of their own, on a broker of their own.
 */
function scheduleAll(): Map<string, Promise<TrialResult[]>> {
  const slots = new Slots(CONCURRENCY);
  const shared: FaultEnv = { brokers: testBrokers().join(','), kafka: testKafka(uniqueName('faults')), serde };
  const seeds = new Map(selected.map((f) => [f.name, seedsOf()]));
  let brokerTurn: Promise<unknown> = Promise.resolve();
  let clusterTurn: Promise<unknown> = Promise.resolve();
  const byFault = new Map<string, Array<Promise<TrialResult>>>(selected.map((f) => [f.name, []]));
  for (let i = 0; i < TRIALS; i++) {
    for (const fault of selected) {
      const seed = seeds.get(fault.name)![i];
      const trial = async (): Promise<TrialResult> => {
        if (fault.ownCluster) {
          const own = await startOwnCluster();
          return runTrialSafely(fault, i, seed, own.env, { logger: quiet, clusterHome: own.cluster.home });
        }
        if (!fault.ownBroker) return slots.run(() => runTrialSafely(fault, i, seed, shared, { logger: quiet }));
        // Their own lane, outside the pool: one at a time on their own broker, alongside the rest.
        const own = await startOwnBroker();
        return runTrialSafely(fault, i, seed, own.env, { logger: quiet, brokerHome: own.home, jarsDir: defaultJarsDir() });
      };
      let task: Promise<TrialResult>;
      if (fault.ownBroker) {
        task = brokerTurn.then(trial);
        brokerTurn = task;
      } else if (fault.ownCluster) {
        task = clusterTurn.then(trial);
        clusterTurn = task;
      } else task = trial();
      byFault.get(fault.name)!.push(task);
    }
  }
  return new Map([...byFault].map(([name, tasks]) => [name, Promise.all(tasks)]));
}

/** runTrial, with a failure to even set the trial up reported as a failed trial (never a rejection). */
async function runTrialSafely(fault: Fault, trial: number, seed: number, env: FaultEnv, ctx: DriveContext): Promise<TrialResult> {
  try {
    return await runTrial(fault, trial, seed, env, ctx);
  } catch (err) {
    const message = `trial could not be set up: ${err instanceof Error ? err.message : String(err)}`;
    out(`${fault.name} trial ${trial} seed ${seed}: FAILED; ${message}\n`);
    return { fault: fault.name, trial, seed, recordsIn: 0, curatedOut: 0, lost: 0, duplicated: 0, deadLettered: 0, outOfOrder: 0, offsetsBehind: 0, redone: 0, resent: 0, snapshots: 0, known: [], ms: 0, problems: [message], events: [] };
  }
}

// Started by the first fault's test (not in beforeAll, so `-t verifier` runs no trial at all).
let scheduled: Map<string, Promise<TrialResult[]>> | undefined;

afterAll(async () => {
  if (ownCluster) await (await ownCluster).cluster.stop();
  if (ownBroker) {
    const { home } = await ownBroker;
    await stopLocalBroker({ home });
    fs.rmSync(home, { recursive: true, force: true });
  }
}, 120_000);

describe('the verifier', () => {
  /** What a perfect trial leaves behind: every normal input curated once, every poison dead-lettered as expected. */
  function perfect(inputs: InputRecord[]): Observations {
    const normal = inputs.filter((i) => !i.poison);
    const entry = (topic: string) => (i: InputRecord, n: number) => ({ id: i.id, key: `${topic}-${i.id}`, where: `${topic} 0:${n}` });
    return {
      snapshotLines: normal.map((i) => ({ snapshot: 's1', user: questionFor(i.id), assistant: i.segment!.text })),
      snapshots: 1,
      outputs: {
        candidates: inputs.filter((i) => i.segment && i.poison !== 'llm-400').map(entry('candidates')),
        scored: normal.map(entry('scored')),
        curated: normal.map(entry('curated')),
      },
      deadLetters: inputs.filter((i) => i.poison).map((i) => ({ id: i.id, ...POISON_EXPECTED[i.poison!], where: 'dlq' })),
      offsetsBehind: [],
      known: [],
      problems: [],
    };
  }

  it('counts a perfect run as perfect, and notices lost, duplicated, misrouted and out-of-order records', async () => {
    const inputs = await buildInputs('verifier-check', { keyed: 60, perKey: 6, poisonPerKind: 1 }, rng(7), serde ?? (await createSerde()));
    const strict = { allowDeadLetteredNormal: false };
    const ok = account(inputs, perfect(inputs), strict);
    expect(ok).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, offsetsBehind: 0, redone: 0, problems: [] });
    expect(ok.curatedOut + ok.deadLettered).toBe(inputs.length);

    const lost = perfect(inputs);
    lost.snapshotLines.splice(3, 1);
    expect(account(inputs, lost, strict)).toMatchObject({ lost: 1, duplicated: 0 });

    const twice = perfect(inputs);
    twice.snapshotLines.push({ ...twice.snapshotLines[5], snapshot: 's2' });
    expect(account(inputs, twice, strict)).toMatchObject({ lost: 0, duplicated: 1 });

    // Two records of one key finished in the wrong order.
    const swapped = perfect(inputs);
    const c = swapped.outputs.candidates;
    const key = inputs.find((i) => i.seq === 1 && c.some((x) => x.id === i.id) && c.some((x) => x.id === `${i.key}.0`))!.key;
    const [a, b] = [c.findIndex((x) => x.id === `${key}.0`), c.findIndex((x) => x.id === `${key}.1`)];
    [c[a], c[b]] = [c[b], c[a]];
    expect(account(inputs, swapped, strict).outOfOrder).toBe(1);

    // Redone work (the same output again, later) is neither duplicated nor out of order.
    const redone = perfect(inputs);
    redone.outputs.candidates.push({ ...redone.outputs.candidates[0], where: 'candidates 0:999' });
    expect(account(inputs, redone, strict)).toMatchObject({ redone: 1, outOfOrder: 0, duplicated: 0, problems: [] });

    const wrongReason = perfect(inputs);
    wrongReason.deadLetters[0] = { ...wrongReason.deadLetters[0], reason: 'decode.corrupt-or-not' };
    expect(account(inputs, wrongReason, strict).lost).toBe(1);

    const poisonCurated = perfect(inputs);
    const poison = inputs.find((i) => i.poison === 'unscorable')!;
    poisonCurated.snapshotLines.push({ snapshot: 's2', user: questionFor(poison.id), assistant: poison.segment!.text });
    expect(account(inputs, poisonCurated, strict).duplicated).toBe(1);

    const deadLettered = perfect(inputs);
    const victim = deadLettered.snapshotLines.splice(0, 1)[0];
    deadLettered.deadLetters.push({ id: idInText(victim.assistant), stage: 'score', reason: 'stage.retries-exhausted', where: 'dlq' });
    expect(account(inputs, deadLettered, strict).lost).toBe(1);
    expect(account(inputs, deadLettered, { allowDeadLetteredNormal: true })).toMatchObject({ lost: 0, deadLettered: ok.deadLettered + 1 });

    const garbled = perfect(inputs);
    garbled.snapshotLines[2] = { ...garbled.snapshotLines[2], user: 'another question' };
    expect(account(inputs, garbled, strict).problems).toHaveLength(1);

    const behind = perfect(inputs);
    behind.offsetsBehind.push('group g committed 3 on t:0, end offset 4');
    expect(account(inputs, behind, strict).offsetsBehind).toBe(1);
  });
});

// Each test waits for its fault's trials, which run alongside the other faults' from the start.
// Cluster trials run one after another (each waits for the cluster to be fully replicated again): up to 2.5 min each.
const clusterTrials = TRIALS * selected.filter((f) => f.ownCluster).length;
const WAIT_MS = 30 * 60_000 + (TRIALS * selected.filter((f) => !f.ownCluster).length * 60_000) / CONCURRENCY + clusterTrials * 150_000;

describe.each(selected.map((f) => [f.name, f] as const))('fault %s', (name, fault) => {
  it(
    `${fault.what}: ${TRIALS} trial(s), 0 lost and 0 duplicated in curated snapshots`,
    async () => {
      scheduled ??= scheduleAll();
      const mine = await scheduled.get(name)!;
      results.push(...mine);
      const failed = mine
        .filter((r) => !trialPassed(r))
        .map((r) => `trial ${r.trial} (seed ${r.seed}): lost ${r.lost}, duplicated ${r.duplicated}, out of order ${r.outOfOrder}, offsets behind ${r.offsetsBehind}; ${[...r.problems, ...(STRICT ? r.known : [])].slice(0, 5).join('; ')}`);
      expect(failed).toEqual([]);
      expect(mine.reduce((n, r) => n + r.lost + r.duplicated, 0)).toBe(0);
      expect(mine.reduce((n, r) => n + r.recordsIn, 0)).toBeGreaterThan(0);
    },
    WAIT_MS,
  );
});
