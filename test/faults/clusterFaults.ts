/**
 * Faults of a replicated cluster (issue 24), each a driver of one trial on a three-node KRaft cluster
 * of the suite's own (replication factor 3, min.insync.replicas 2): what moves partition leaders in
 * production. The stages and the trainer run throughout; after the fault, the trial waits until every
 * partition has three in-sync replicas again, then drains and is verified like every other trial.
 * Run by `npm run test:faults:cluster` (20 trials each), not in CI's fault run (the cluster test in
 * test/e2e/clusterFailover.test.ts is).
 */
import { activeController, signalNode, startNode, stopNode } from '../../src/dev/localCluster';
import { partitionLeader, waitFullyReplicated } from '../helpers/cluster';
import { finish, untilWorkUnderWay, type DriveContext, type Fault } from './faults';
import { sleep, type Trial } from './trial';

const SETTLE_MS = 120_000;

function clusterHome(ctx: DriveContext): string {
  if (!ctx.clusterHome) throw new Error('a cluster fault needs the suite\'s own cluster');
  return ctx.clusterHome;
}

/** Every topic of the trial, for the wait until all are fully replicated again. */
function trialTopics(t: Trial): string[] {
  return [t.topics.segments, t.topics.candidates, t.topics.scored, t.topics.curated, ...Object.values(t.topics.dlq)];
}

async function settle(t: Trial): Promise<void> {
  const admin = t.config.env.kafka.admin();
  await admin.connect();
  try {
    await waitFullyReplicated(admin, trialTopics(t), SETTLE_MS);
  } finally {
    await admin.disconnect();
  }
  t.event('every partition has three in-sync replicas again');
}

/** The node leading a partition the stages write now: one of the trial's output topics, picked by the trial's seed. */
async function leaderOfWrittenPartition(t: Trial): Promise<{ node: number; where: string }> {
  const r = t.rng;
  const topic = r.pick([t.topics.candidates, t.topics.scored, t.topics.curated]);
  const partition = topic === t.topics.candidates ? 0 : r.int(0, 3);
  const admin = t.config.env.kafka.admin();
  await admin.connect();
  try {
    return { node: await partitionLeader(admin, topic, partition), where: `${topic}-${partition}` };
  } finally {
    await admin.disconnect();
  }
}

/** Stages and trainer up, inputs arriving, work under way: the moment a fault lands. `producing` ends when every input is acknowledged. */
async function underLoad(t: Trial): Promise<{ producing: Promise<void> }> {
  const producing = t.produce();
  t.replica('run', 'stages');
  t.replica('trainer', 'trainer');
  await untilWorkUnderWay(t, t.rng.int(5, 60));
  return { producing };
}

/** Under load, SIGKILL the node `pick` names, keep it down 0.5-4 s, start it again on its data, wait for full replication, drain. */
async function killAndRestart(t: Trial, ctx: DriveContext, pick: () => Promise<{ node: number; role: string }>): Promise<void> {
  const home = clusterHome(ctx);
  const { producing } = await underLoad(t);
  const { node, role } = await pick();
  const downMs = t.rng.int(500, 4000);
  await signalNode(node, 'SIGKILL', { home });
  t.event(`SIGKILL node ${node} (${role}); down for ${downMs} ms [${await t.progress()}]`);
  await sleep(downMs);
  await startNode(node, { home, logger: ctx.logger });
  t.event(`node ${node} back; active controller ${String(activeController({ home }))}`);
  await settle(t);
  await finish(t, producing);
}

export const CLUSTER_FAULTS: Fault[] = [
  {
    name: 'leader-kill9',
    what: 'SIGKILL the node leading a partition being written, restart it on its data directory',
    ownCluster: true,
    plan: { latencyMs: 40 },
    async drive(t, ctx) {
      await killAndRestart(t, ctx, async () => {
        const { node, where } = await leaderOfWrittenPartition(t);
        return { node, role: `leader of ${where}` };
      });
    },
  },
  {
    name: 'controller-kill9',
    what: 'SIGKILL the active KRaft controller, restart it',
    ownCluster: true,
    plan: { latencyMs: 40 },
    async drive(t, ctx) {
      await killAndRestart(t, ctx, () => {
        const node = activeController({ home: clusterHome(ctx) });
        if (node === undefined) throw new Error('no active controller found');
        return Promise.resolve({ node, role: 'active controller' });
      });
    },
  },
  {
    name: 'node-sigstop',
    what: 'SIGSTOP a node leading a written partition for 15-25 s (past its 3 s broker session), then SIGCONT',
    ownCluster: true,
    plan: { latencyMs: 40 },
    async drive(t, ctx) {
      const home = clusterHome(ctx);
      const { producing } = await underLoad(t);
      const { node, where } = await leaderOfWrittenPartition(t);
      const pausedMs = t.rng.int(15_000, 25_000);
      await signalNode(node, 'SIGSTOP', { home });
      t.event(`SIGSTOP node ${node} (leader of ${where}) for ${pausedMs} ms [${await t.progress()}]`);
      await sleep(pausedMs);
      await signalNode(node, 'SIGCONT', { home });
      t.event(`SIGCONT node ${node}`);
      await settle(t);
      await finish(t, producing);
    },
  },
  {
    name: 'rolling-restart',
    what: 'restart every node in turn (SIGTERM, start), each once the cluster is fully replicated, as a rolling upgrade does',
    ownCluster: true,
    plan: { latencyMs: 40 },
    async drive(t, ctx) {
      const home = clusterHome(ctx);
      const { producing } = await underLoad(t);
      for (const node of t.rng.shuffle([1, 2, 3])) {
        await stopNode(node, { home, logger: ctx.logger });
        t.event(`rolling restart: node ${node} stopped [${await t.progress()}]`);
        await startNode(node, { home, logger: ctx.logger });
        await settle(t);
      }
      await finish(t, producing);
    },
  },
];
