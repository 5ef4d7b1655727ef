/**
 * Helpers for failover tests against a local three-node cluster (src/dev/localCluster.ts): each test
 * file gets a cluster of its own in a temp home (jars shared), so killing its nodes disturbs no one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { createLogger } from '../../src/core/logger';
import { defaultJarsDir } from '../../src/dev/broker/layout';
import { CLUSTER_TOPIC_DEFAULTS, type LocalCluster, startLocalCluster, stopLocalCluster } from '../../src/dev/localCluster';
import { waitFor } from './kafka';

/**
 * The topics' metadata. For a moment after a topic is created (or a node restarts), brokers that
 * have not yet applied it answer UNKNOWN_TOPIC_OR_PARTITION, which kafkajs does not retry: so
 * retried here, for up to `timeoutMs`.
 */
export async function clusterMetadata(admin: Admin, topics: string[], timeoutMs = 10_000): ReturnType<Admin['fetchTopicMetadata']> {
  return waitFor(() => admin.fetchTopicMetadata({ topics }), { timeoutMs, intervalMs: 200, what: `metadata of ${topics.join(', ')}` });
}

/** The node id leading `partition` of `topic` (-1 while it has none). */
export async function partitionLeader(admin: Admin, topic: string, partition: number): Promise<number> {
  const { topics } = await clusterMetadata(admin, [topic]);
  const p = topics.find((t) => t.name === topic)?.partitions.find((q) => q.partitionId === partition);
  if (!p) throw new Error(`Topic ${topic} has no partition ${partition} in the metadata`);
  return p.leader;
}

function sameIds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

/** Polls in a row that must all see the topics settled: each may be answered by another broker. */
const SETTLED_POLLS = 3;

/**
 * Waits until every partition of `topics` has a leader and all of its replicas in sync, in
 * SETTLED_POLLS polls in a row (a new topic's ISR is all of its replicas from the start, while a
 * broker may not know the topic yet).
 */
export async function waitFullyReplicated(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  let inRow = 0;
  await waitFor(
    async () => {
      const before = inRow;
      inRow = 0; // a poll that throws breaks the row too
      const meta = await admin.fetchTopicMetadata({ topics });
      const ok =
        meta.topics.length === topics.length &&
        meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0 && sameIds(p.isr, p.replicas)));
      inRow = ok ? before + 1 : 0;
      return inRow >= SETTLED_POLLS;
    },
    { timeoutMs, intervalMs: 200, what: `every partition of ${topics.join(', ')} led and fully in sync` },
  );
}

/**
 * Creates the topics with CLUSTER_TOPIC_DEFAULTS (3 replicas, min.insync.replicas 2) and waits until
 * they are fully replicated. Not kafkajs' waitForLeaders: it fails at once when the broker it asks
 * has not yet heard of the new topic (UNKNOWN_TOPIC_OR_PARTITION), a race a single broker never has.
 */
export async function createClusterTopics(admin: Admin, names: string[], partitions = 1, timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({
    waitForLeaders: false,
    topics: names.map((topic) => ({
      topic,
      numPartitions: partitions,
      replicationFactor: CLUSTER_TOPIC_DEFAULTS.replicationFactor,
      configEntries: [{ name: 'min.insync.replicas', value: String(CLUSTER_TOPIC_DEFAULTS.minInsyncReplicas) }],
    })),
  });
  await waitFullyReplicated(admin, names, timeoutMs);
}

export interface TestCluster extends LocalCluster {
  /** The temp home: pass it as `{ home }` to signalNode, startNode, activeController... */
  home: string;
  /** Stops every node and removes the home. */
  stop: () => Promise<void>;
}

/** A fresh cluster (emptyOnStart) in a new temp home, on the shared jar cache. */
export async function startTestCluster(opts: { nodes?: number } = {}): Promise<TestCluster> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-cluster-test-'));
  const logger = createLogger({ component: 'test-cluster' }, 'warn');
  const stop = async (): Promise<void> => {
    try {
      await stopLocalCluster({ home, logger });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  };
  try {
    const cluster = await startLocalCluster({ home, jarsDir: defaultJarsDir(), logger, emptyOnStart: true, nodes: opts.nodes });
    return { ...cluster, home, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
