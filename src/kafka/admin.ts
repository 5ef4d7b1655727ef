import type { Admin, ITopicConfig } from 'kafkajs';
import { isRetriable, RetriableError } from '../core/errors';

/**
 * compression.type values a topic may have. The broker recompresses to it, and every reader here is
 * kafkajs, which decodes gzip alone without a codec package (and those for snappy, lz4 and zstd are
 * unmaintained or need native builds): a topic in another codec could not be read back.
 */
export const TOPIC_COMPRESSIONS = ['producer', 'uncompressed', 'gzip'] as const;
export type TopicCompression = (typeof TOPIC_COMPRESSIONS)[number];

/** A topic as the topology declares it, with defaults already applied. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** retention.ms; -1 keeps records forever; undefined leaves the broker default. */
  retentionMs?: number;
  /** cleanup.policy=compact: the broker keeps the latest record per key. */
  compacted: boolean;
  /** max.message.bytes; undefined leaves the broker default (about 1 MB). */
  maxMessageBytes?: number;
  /** min.insync.replicas; undefined leaves the broker default. */
  minInsyncReplicas?: number;
  /** compression.type; undefined leaves the broker default (producer). */
  compression?: TopicCompression;
}

export interface PartitionMismatch {
  topic: string;
  declared: number;
  actual: number;
}

export interface ApplyResult {
  created: string[];
  existing: string[];
  /** Existing topics whose partition count differs from the topology; never changed automatically. */
  mismatched: PartitionMismatch[];
}

/** Topic-level configs for a spec, in the form the Kafka admin API takes. */
export function topicConfigEntries(spec: TopicSpec): { name: string; value: string }[] {
  const entries: { name: string; value: string }[] = [];
  if (spec.compacted) {
    // With a retention as well, old records are also deleted by age ("compact,delete");
    // compact alone ignores retention.ms, which would silently drop the declared retention.
    entries.push({ name: 'cleanup.policy', value: spec.retentionMs === undefined ? 'compact' : 'compact,delete' });
  }
  if (spec.retentionMs !== undefined) entries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
  if (spec.maxMessageBytes !== undefined) entries.push({ name: 'max.message.bytes', value: String(spec.maxMessageBytes) });
  if (spec.minInsyncReplicas !== undefined) entries.push({ name: 'min.insync.replicas', value: String(spec.minInsyncReplicas) });
  if (spec.compression !== undefined) entries.push({ name: 'compression.type', value: spec.compression });
  return entries;
}

function toTopicConfig(spec: TopicSpec): ITopicConfig {
  return {
    topic: spec.name,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor,
    configEntries: topicConfigEntries(spec),
  };
}

/**
 * Makes the declared topics exist. Idempotent: missing topics are created with their partitions,
 * replication factor and configs; existing ones are left alone and only compared. It never deletes
 * a topic or changes its partitions: adding partitions moves keys to other partitions (breaking
 * per-key order and dedup), so `kafka-topics --alter --partitions N` stays the operator's call.
 */
export async function applyTopics(admin: Admin, topics: readonly TopicSpec[]): Promise<ApplyResult> {
  const present = new Set(await admin.listTopics());
  const result: ApplyResult = { created: [], existing: [], mismatched: [] };
  const toCreate = topics.filter((t) => !present.has(t.name));
  // One request per topic: kafkajs answers `false` when a topic already exists (created concurrently
  // by someone else), and per topic that answer says exactly which one. kafkajs' own waitForLeaders
  // fails on a KRaft broker whose metadata lags the creation (UNKNOWN_TOPIC_OR_PARTITION), so we wait.
  const outcomes = await Promise.all(
    toCreate.map(async (spec) => ({ spec, created: await admin.createTopics({ topics: [toTopicConfig(spec)], waitForLeaders: false }) })),
  );
  for (const { spec, created } of outcomes) (created ? result.created : result.existing).push(spec.name);
  if (result.created.length > 0) await awaitLeaders(admin, result.created);

  const toCompare = topics.filter((t) => present.has(t.name) || result.existing.includes(t.name));
  if (toCompare.length > 0) {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: toCompare.map((t) => t.name) });
    for (const spec of toCompare) {
      if (present.has(spec.name)) result.existing.push(spec.name);
      const actual = metadata.find((m) => m.name === spec.name)?.partitions.length;
      if (actual !== undefined && actual !== spec.partitions) {
        result.mismatched.push({ topic: spec.name, declared: spec.partitions, actual });
      }
    }
  }
  // Keep the topology's order, whatever order the answers came in.
  const order = new Map(topics.map((t, i) => [t.name, i]));
  const byOrder = (a: string, b: string) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
  result.created.sort(byOrder);
  result.existing.sort(byOrder);
  return result;
}

/** Polls metadata until every partition of `topics` has a leader, so producing right after works. */
export async function awaitLeaders(admin: Admin, topics: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const ready = (name: string) => metadata.some((m) => m.name === name && m.partitions.length > 0 && m.partitions.every((p) => p.leader >= 0));
      if (topics.every(ready)) return;
    } catch (err) {
      if (!isRetriable(err)) throw err; // e.g. authorisation: waiting will not help
      last = err;
    }
    if (Date.now() > deadline) {
      throw new RetriableError(`topics ${topics.join(', ')} have no partition leaders after ${timeoutMs} ms`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
