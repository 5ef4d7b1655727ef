import type { SeedPair } from '../llm/seedPairs';
import type { CuratedExampleRecord } from '../records/types';
import type { TrainingExample } from './format';
import { curatedKey, keyPrefix, seedKey } from './keys';
import type { Manifest, OffsetRange } from './manifest';

/** A curated record read from Kafka and not yet in a snapshot. */
export interface BufferedRecord {
  topic: string;
  partition: number;
  offset: number;
  value: CuratedExampleRecord;
}

export interface BatchInput {
  records: readonly BufferedRecord[];
  /** Seed pairs the topology mixes in (already cut to `mix`); those written before are dropped. */
  seeds: readonly SeedPair[];
  /** True for a key prefix an earlier snapshot of the folder holds. */
  seen: (prefix: bigint) => boolean;
  /** The configured iteration; default the highest among the records (1 without records). */
  iteration?: number;
  /** Offsets read, when more than the records' (tombstones and undecodable records are covered too). */
  offsets?: OffsetRange[];
}

/** What one snapshot will hold: lines in order, their keys, and the manifest facts about them. */
export interface SnapshotContent {
  examples: TrainingExample[];
  prefixes: bigint[];
  /** Lines from the curated topics; a snapshot is written only when this is above 0. */
  curatedLines: number;
  offsets: OffsetRange[];
  iteration: number;
  iterationsSeen: number[];
  tiers: number[];
  counts: Manifest['counts'];
  models: Manifest['models'];
  /** Curated examples written, by their `score`. */
  scoreHistogram: Record<string, number>;
  expectedScore: Manifest['expected_score'];
}

/** Drops duplicates (against earlier snapshots and within the batch) and gathers the manifest facts. */
export function buildSnapshotContent(input: BatchInput): SnapshotContent {
  const iterationsSeen = sortedUnique(input.records.map((r) => r.value.iteration));
  const iteration = input.iteration ?? iterationsSeen[iterationsSeen.length - 1] ?? 1;
  const taken = new Set<bigint>();
  const fresh = (key: string): bigint | undefined => {
    const p = keyPrefix(key);
    if (input.seen(p) || taken.has(p)) return undefined;
    taken.add(p);
    return p;
  };
  const examples: TrainingExample[] = [];
  const prefixes: bigint[] = [];
  const byTier: Record<string, number> = {};
  const written: CuratedExampleRecord[] = [];
  let duplicates = 0;
  for (const { value } of input.records) {
    const p = fresh(curatedKey(value, iteration));
    if (p === undefined) {
      duplicates += 1;
      continue;
    }
    examples.push({ source: value.source, instruction: value.instruction, output: value.output });
    prefixes.push(p);
    written.push(value);
    byTier[String(value.tier)] = (byTier[String(value.tier)] ?? 0) + 1;
  }
  const curatedLines = examples.length;
  for (const pair of input.seeds) {
    const p = fresh(seedKey(pair, iteration));
    if (p === undefined) continue;
    examples.push({ source: 'seed', instruction: pair.instruction, output: pair.output });
    prefixes.push(p);
  }
  const seedFromTopic = written.filter((r) => r.source === 'seed').length;
  return {
    examples,
    prefixes,
    curatedLines,
    offsets: input.offsets ?? offsetRanges(input.records),
    iteration,
    iterationsSeen,
    tiers: sortedUnique(written.map((r) => r.tier)),
    counts: {
      records: input.records.length,
      examples: examples.length,
      augmented: curatedLines - seedFromTopic,
      seed: examples.length - curatedLines + seedFromTopic,
      seed_from_file: examples.length - curatedLines,
      duplicates_dropped: duplicates,
      by_tier: byTier,
    },
    models: {
      instruction_model: sortedUnique(written.map((r) => r.instruction_model)),
      scorer_model: sortedUnique(written.map((r) => r.scorer_model)),
      scorer_prompt_version: sortedUnique(written.map((r) => r.scorer_prompt_version)),
    },
    scoreHistogram: countBy(written.map((r) => String(r.score))),
    expectedScore: meanOf(written.flatMap((r) => (r.expected_score === null ? [] : [r.expected_score]))),
  };
}

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of [...keys].sort()) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

function meanOf(values: readonly number[]): Manifest['expected_score'] {
  if (values.length === 0) return null;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, count: values.length };
}

/** Per partition, the lowest and highest offset read (duplicates included: they are covered too). */
export function offsetRanges(records: readonly BufferedRecord[]): OffsetRange[] {
  const ranges = new Map<string, OffsetRange>();
  for (const { topic, partition, offset } of records) {
    const key = `${topic}\u0000${partition}`;
    const r = ranges.get(key);
    if (r === undefined) ranges.set(key, { topic, partition, from: offset, to: offset });
    else ranges.set(key, { ...r, from: Math.min(r.from, offset), to: Math.max(r.to, offset) });
  }
  return [...ranges.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

function sortedUnique<T extends string | number>(values: readonly T[]): T[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
