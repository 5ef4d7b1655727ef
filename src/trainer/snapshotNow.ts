import type { Kafka } from 'kafkajs';
import type { Serde } from '../kafka/serde/avroSerde';
import { sleep } from '../core/backoff';
import { ConfigError } from '../core/errors';
import { BROKER_CALL_POLICY, retrying } from '../core/retryPolicy';
import type { Logger } from '../core/logger';
import { committedOffsets, partitionEnds, splitPartitionKey } from '../kafka/offsets';
import type { TrainerMetrics } from './metrics';
import type { TrainerSettings } from './settings';
import type { WrittenSnapshot } from './snapshotWriter';
import { TrainerConsumer } from './trainerConsumer';

export interface SnapshotNowOptions {
  kafka: Kafka;
  serde: Serde;
  settings: TrainerSettings;
  logger: Logger;
  metrics?: TrainerMetrics;
  /** Give up waiting for the end offsets after this long without progress, and snapshot what was read. */
  idleTimeoutMs?: number;
}

export interface SnapshotNowResult {
  /** Undefined when nothing new was there (no folder is written for nothing). */
  written?: WrittenSnapshot;
  /** Records read past the last snapshot, duplicates included. */
  recordsRead: number;
}

/**
 * `humpback snapshot`: one snapshot of everything the trainer group has not snapshotted yet, read up
 * to the end offsets the topics had when it started. Refuses while a trainer runs in the group: the
 * two would split the partitions and each snapshot half.
 */
export async function snapshotNow(o: SnapshotNowOptions): Promise<SnapshotNowResult> {
  const { settings, logger } = o;
  const admin = o.kafka.admin();
  await admin.connect();
  let ends: Map<string, { low: number; high: number }>;
  let committed: Map<string, number>;
  try {
    const { groups } = await retrying(() => admin.describeGroups([settings.group]), BROKER_CALL_POLICY);
    const members = groups[0]?.members.length ?? 0;
    if (members > 0) {
      throw new ConfigError(
        `consumer group ${settings.group} has ${members} active member(s): a trainer is running and takes snapshots itself. Fix: stop it first (a killed one leaves the group after trainer.sessionTimeoutMs, ${settings.sessionTimeoutMs} ms)`,
      );
    }
    ends = await partitionEnds(admin, settings.topics);
    committed = await committedOffsets(admin, settings.group, settings.topics);
  } finally {
    await admin.disconnect();
  }

  const trainer = new TrainerConsumer(o);
  try {
    const store = trainer.open(new Map([...ends].map(([key, e]) => [key, e.high])));
    const behind = [...ends].filter(([key, { low, high }]) => {
      const { topic, partition } = splitPartitionKey(key);
      return Math.max(low, committed.get(key) ?? low, store.frontierOf(topic, partition) ?? 0) < high;
    });
    if (behind.length === 0) {
      await commitCoveredOffsets(o, ends, committed);
      const seeds = await trainer.snapshot('on demand', { seedOnly: true });
      if (!seeds) logger.info('nothing new to snapshot', { topics: settings.topics, group: settings.group });
      return { written: seeds, recordsRead: 0 };
    }
    await trainer.run({ policy: false });
    const idleMs = o.idleTimeoutMs ?? 60_000;
    for (;;) {
      if (behind.every(([key, { high }]) => (trainer.positions.get(key) ?? -1) >= high)) break;
      if (Date.now() - trainer.lastProgressAt > idleMs) {
        logger.warn('the end offsets were not reached; snapshotting what was read', { idleMs });
        break;
      }
      await sleep(100);
    }
    const recordsRead = trainer.bufferedRecords;
    return { written: await trainer.snapshot('on demand', { seedOnly: true }), recordsRead };
  } finally {
    await trainer.stop();
  }
}

/**
 * Every record below the ends is in a snapshot already, but the group may not have committed past
 * them (a snapshot run killed between its rename and its commit): commit now, so lag and
 * `humpback status` say the truth. The group has no members (checked above), so the admin API may.
 */
async function commitCoveredOffsets(o: SnapshotNowOptions, ends: ReadonlyMap<string, { low: number; high: number }>, committed: ReadonlyMap<string, number>): Promise<void> {
  const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const [key, { high }] of ends) {
    if ((committed.get(key) ?? -1) >= high) continue;
    const { topic, partition } = splitPartitionKey(key);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(high) }]);
  }
  if (byTopic.size === 0) return;
  const admin = o.kafka.admin();
  await admin.connect();
  try {
    for (const [topic, partitions] of byTopic) await retrying(() => admin.setOffsets({ groupId: o.settings.group, topic, partitions }), BROKER_CALL_POLICY);
    o.logger.info('committed the trainer group past records already in snapshots', { group: o.settings.group, topics: [...byTopic.keys()] });
  } finally {
    await admin.disconnect();
  }
}
