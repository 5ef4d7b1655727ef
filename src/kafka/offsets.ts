import type { Admin } from 'kafkajs';
import { ConfigError, InfrastructureError } from '../core/errors';
import { BROKER_CALL_POLICY, retrying } from '../core/retryPolicy';

/** Offsets of a consumer group and watermarks of topics, keyed `topic:partition` (numbers: far below 2^53). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** The inverse of partitionKey (topic names may not contain ':', so the last one splits). */
export function splitPartitionKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/**
 * Per `topic:partition`, the low and high watermarks (high = the next offset to be written). Like
 * every read here, under BROKER_CALL_POLICY: a leader election on the broker is waited out.
 */
export async function partitionEnds(admin: Admin, topics: readonly string[]): Promise<Map<string, { low: number; high: number }>> {
  const existing = new Set(await retrying(() => admin.listTopics(), BROKER_CALL_POLICY));
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) throw new ConfigError(`topic(s) ${missing.join(', ')} do not exist. Fix: run \`humpback topics apply\` (and the stages that fill them)`);
  const ends = new Map<string, { low: number; high: number }>();
  for (const topic of topics) {
    for (const p of await retrying(() => topicOffsets(admin, topic), BROKER_CALL_POLICY)) ends.set(partitionKey(topic, p.partition), { low: p.low, high: p.high });
  }
  return ends;
}

/**
 * The low and high watermark of every partition of `topic`, or an InfrastructureError (retried by the
 * caller's policy) while a partition has no leader: during an election kafkajs 2.2.4's
 * fetchTopicOffsets leaves leaderless partitions out of its answer, or fails with a TypeError
 * ("Cannot destructure property 'partitions' of 'high.pop(...)'") when none has a leader. A partial
 * answer taken as whole would end `--until-drained` early or under-count lag.
 */
export async function topicOffsets(admin: Admin, topic: string): Promise<Array<{ partition: number; low: number; high: number }>> {
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  let offsets: Awaited<ReturnType<Admin['fetchTopicOffsets']>>;
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } catch (err) {
    if (err instanceof TypeError) throw new InfrastructureError(`offsets of topic ${topic} are not available: a partition leader is being elected (${err.message})`, { cause: err });
    throw err;
  }
  if (offsets.length < (metadata?.partitions.length ?? 0)) {
    throw new InfrastructureError(`offsets of topic ${topic} answered for ${offsets.length} of its ${metadata.partitions.length} partitions: a partition leader is being elected`);
  }
  return offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
}

export async function committedOffsets(admin: Admin, groupId: string, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of await retrying(() => admin.fetchOffsets({ groupId, topics }), BROKER_CALL_POLICY)) {
    for (const p of t.partitions) if (Number(p.offset) >= 0) out.set(partitionKey(t.topic, p.partition), Number(p.offset));
  }
  return out;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset to be written. */
  end: number;
  /** Next offset the group reads (its committed offset; the log start when it has none). */
  position: number;
  lag: number;
}

/** A consumer group's lag on a topic, per partition, as `kafka-consumer-groups --describe` shows it. */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const ends = await partitionEnds(admin, [topic]);
  const committed = await committedOffsets(admin, groupId, [topic]);
  return [...ends].map(([key, { low, high }]) => {
    const { partition } = splitPartitionKey(key);
    const position = Math.min(high, Math.max(low, committed.get(key) ?? low));
    return { topic, partition, end: high, position, lag: high - position };
  });
}
