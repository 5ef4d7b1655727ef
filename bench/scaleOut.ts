/**
 * Scale-out of an LLM-bound stage: throughput of 1, 2 and 4 replicas of backtranslate (separate
 * `humpback run --stages backtranslate` processes in one consumer group) over an input topic of 4
 * partitions. Each replica count gets a fresh namespaced copy of topologies/humpback.yaml whose
 * backtranslate stage has a fixed concurrency (CONCURRENCY records and CONCURRENCY LLM requests at
 * once per replica), so a replica's bound is CONCURRENCY / latency. The fake OpenAI server (a test
 * double, in a worker thread of this process) answers every request after LATENCY_MS with a capacity
 * of 1024, so it is never the bottleneck. The backlog (BACKLOG_SECONDS of the replicas' bound) is
 * produced first, then all replicas start at once; once the group is Stable with all of them (or
 * JOIN_TIMEOUT_S passed: then the table says so), WARMUP_S pass, then candidates written over WINDOW_S
 * give the throughput; the group is sampled every second of the window, and the share of samples
 * Stable with every replica is reported. Targets: 2/1 >= 1.8, 4/1 >= 3.5.
 * Run: `npm run bench:scale-out`.
 */
import type { Admin } from 'kafkajs';
import { backtranslateAt, benchKafka, benchSerde, benchTopology, cleanUp, produceSegments, runMain, sleep, startHumpback, topicCount, withAdmin, type BenchRow } from './common';
import { startFakeServer, type RemoteServer } from './fakeServer';

const LATENCY_MS = 100;
const CONCURRENCY = 8;
const WARMUP_S = 5;
const WINDOW_S = 20;
const JOIN_TIMEOUT_S = 90;
const BACKLOG_SECONDS = JOIN_TIMEOUT_S + WARMUP_S + WINDOW_S + 60;
const REPLICAS = [1, 2, 4];

interface Phase {
  replicas: number;
  recordsPerSecond: number;
  /** Seconds from the spawns until the group was Stable with every replica; undefined: not within JOIN_TIMEOUT_S. */
  joinSeconds: number | undefined;
  /** Share of the window's 1 s group samples that were Stable with every replica. */
  stableShare: number;
  backlogLeft: number;
}

async function fullGroup(admin: Admin, groupId: string, members: number): Promise<boolean> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]?.state === 'Stable' && groups[0].members.length === members;
}

/** Waits until the group is Stable with `members` members; the seconds it took, or undefined after `timeoutS`. */
async function waitForMembers(admin: Admin, groupId: string, members: number, timeoutS: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutS * 1000) {
    if (await fullGroup(admin, groupId, members)) return (Date.now() - started) / 1000;
    await sleep(200);
  }
  return undefined;
}

async function phase(server: RemoteServer, replicas: number): Promise<Phase> {
  const kafka = benchKafka(`bench-scale-${replicas}`);
  const topology = await benchTopology(kafka, `scale${replicas}`, backtranslateAt(server.url, CONCURRENCY));
  const stage = topology.resolved.stages.find((s) => s.type === 'backtranslate');
  if (!stage) throw new Error('topologies/humpback.yaml has no backtranslate stage');
  const backlog = Math.ceil(replicas * CONCURRENCY * (1000 / LATENCY_MS) * BACKLOG_SECONDS);
  await produceSegments(kafka, await benchSerde(), stage.input, backlog, topology.prefix);
  // All replicas at once, as a Deployment would start them.
  const procs = Array.from({ length: replicas }, () =>
    startHumpback(['run', '--topology', topology.file, '--stages', stage.name, '--metrics-port', '0'], { HUMPBACK_LLM_BASE_URL: server.url, HUMPBACK_LLM_MODEL: 'fake' }),
  );
  try {
    return await withAdmin(kafka, async (admin) => {
      const joinSeconds = await waitForMembers(admin, stage.groupId, replicas, JOIN_TIMEOUT_S);
      await sleep(WARMUP_S * 1000);
      const before = await topicCount(admin, stage.output);
      const t0 = process.hrtime.bigint();
      let [ticks, stable] = [0, 0];
      for (const end = Date.now() + WINDOW_S * 1000; Date.now() < end; ticks++) {
        if (await fullGroup(admin, stage.groupId, replicas)) stable++;
        await sleep(1000);
      }
      const after = await topicCount(admin, stage.output);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const exited = procs.filter((p) => p.child.exitCode !== null);
      if (exited.length > 0) throw new Error(`a replica exited during the window:\n${exited[0].stderrTail()}`);
      return { replicas, recordsPerSecond: (after - before) / seconds, joinSeconds, stableShare: stable / Math.max(1, ticks), backlogLeft: backlog - after };
    });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await cleanUp(kafka, topology.prefix, topology.resolved.stages.map((s) => s.groupId));
  }
}

const joined = (p: Phase): string => (p.joinSeconds === undefined ? `never within ${JOIN_TIMEOUT_S} s` : `${p.joinSeconds.toFixed(0)} s`);

export async function measureScaleOut(): Promise<{ rows: BenchRow[]; report: string[] }> {
  const server = await startFakeServer({ latencyMs: LATENCY_MS, capacity: 1024 });
  const phases: Phase[] = [];
  try {
    for (const n of REPLICAS) {
      phases.push(await phase(server, n));
      process.stderr.write(`scale-out: ${n} replica(s): ${phases[phases.length - 1].recordsPerSecond.toFixed(1)} records/s\n`);
    }
  } finally {
    await server.close();
  }
  const one = phases[0].recordsPerSecond;
  const perReplicaBound = CONCURRENCY * (1000 / LATENCY_MS);
  const report = [
    `Scale-out: backtranslate against a fake LLM (${LATENCY_MS} ms, capacity 1024), concurrency ${CONCURRENCY} per replica (bound ${perReplicaBound} records/s each), input of 4 partitions; replicas started together; ${WARMUP_S} s warm-up once the group is Stable with all replicas (or after ${JOIN_TIMEOUT_S} s), then ${WINDOW_S} s measured`,
    '',
    '| replicas | group Stable with all after | window Stable with all | records/s | bound | of bound | vs 1 replica | backlog left |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...phases.map(
      (p) =>
        `| ${p.replicas} | ${joined(p)} | ${(p.stableShare * 100).toFixed(0)} % | ${p.recordsPerSecond.toFixed(1)} | ${p.replicas * perReplicaBound} | ` +
        `${(p.recordsPerSecond / (p.replicas * perReplicaBound)).toFixed(2)} | ${(p.recordsPerSecond / one).toFixed(2)}x | ${p.backlogLeft} |`,
    ),
  ];
  const targets: Record<number, number> = { 2: 1.8, 4: 3.5 };
  const rows = phases.slice(1).map((p): BenchRow => {
    const ratio = p.recordsPerSecond / one;
    return {
      benchmark:
        `scale-out: ${p.replicas} backtranslate replicas vs 1 (fake LLM ${LATENCY_MS} ms, concurrency ${CONCURRENCY} each, 4 partitions; ` +
        `group Stable with all replicas after: ${joined(p)}; during ${(p.stableShare * 100).toFixed(0)} % of the window)`,
      measured: `${p.recordsPerSecond.toFixed(1)} records/s`,
      baseline: `${one.toFixed(1)} records/s`,
      ratio,
      target: `>= ${targets[p.replicas]}`,
      met: ratio >= targets[p.replicas],
    };
  });
  return { rows, report };
}

async function main(): Promise<void> {
  const { report } = await measureScaleOut();
  console.log(report.join('\n'));
}

if (require.main === module) runMain(main);
