import type { Admin, Consumer } from 'kafkajs';
import { backoffDelay, sleep } from '../runtime/backoff';
import { ConfigError, errorMessage } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { partitionKey } from './manifest';

/** Offsets as the trainer reasons about them: numbers (they stay far below 2^53). */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * Commits the next offsets to read. A commit that keeps failing (e.g. mid-rebalance) is logged and
 * left: the records come again and the snapshot frontier keeps them out of new snapshots.
 */
export async function commitWithRetry(consumer: Consumer, offsets: readonly PartitionOffset[], logger: Logger, attempts = 3): Promise<boolean> {
  if (offsets.length === 0) return true;
  const request = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await consumer.commitOffsets(request);
      return true;
    } catch (err) {
      logger.warn('offset commit failed', { attempt, error: errorMessage(err) });
      if (attempt < attempts) await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 2000 }));
    }
  }
  return false;
}

/** Per `topic:partition`, the low and high watermarks (high = the next offset to be written). */
export async function partitionEnds(admin: Admin, topics: readonly string[]): Promise<Map<string, { low: number; high: number }>> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) throw new ConfigError(`topic(s) ${missing.join(', ')} do not exist. Fix: run \`humpback topics apply\` (and the stages that fill them)`);
  const ends = new Map<string, { low: number; high: number }>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(partitionKey(topic, p.partition), { low: Number(p.low), high: Number(p.high) });
  }
  return ends;
}

export async function committedOffsets(admin: Admin, groupId: string, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of t.partitions) if (Number(p.offset) >= 0) out.set(partitionKey(t.topic, p.partition), Number(p.offset));
  }
  return out;
}
