import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../core/logger';
import type { SnapshotFormat, TagPlacement } from './format';
import { partitionKey } from '../kafka/offsets';

/** The offsets of one partition a snapshot covers, both ends included (compacted topics may skip some). */
export interface OffsetRange {
  topic: string;
  partition: number;
  from: number;
  to: number;
}

export interface ManifestFile {
  path: string;
  sha256: string;
  lines: number;
  bytes: number;
}

/** `<snapshot>/manifest.json`: what a snapshot holds and where it came from. */
export interface Manifest {
  manifest_version: 1;
  id: string;
  created_at: string;
  format: SnapshotFormat;
  /** Where each line carries its source tag: the system turn, or the start of the user turn. */
  source_tag: TagPlacement;
  /** The trainer's configured iteration, else the highest iteration among the examples. */
  iteration: number;
  iterations_seen: number[];
  tiers: number[];
  topics: string[];
  /** Consumer group whose offsets the ranges belong to; only its own ranges count at restart. */
  group: string;
  offsets: OffsetRange[];
  counts: {
    /** Records read from the topics in `offsets`. */
    records: number;
    /** Lines in the shards: augmented + seed. */
    examples: number;
    augmented: number;
    /** Seed lines, from the seed file and from curated topics. */
    seed: number;
    seed_from_file: number;
    /** Records already in an earlier snapshot of this folder, or twice in this one. */
    duplicates_dropped: number;
    by_tier: Record<string, number>;
  };
  /** The JSONL shards, in order. */
  files: ManifestFile[];
  /** keys.bin: the 64-bit key prefixes of the lines, which rebuild `<outDir>/.index`. */
  keys: ManifestFile;
  models: { instruction_model: string[]; scorer_model: string[]; scorer_prompt_version: string[] };
  /** Curated examples by their score (1-5). */
  score_histogram: Record<string, number>;
  /** Mean of the curated examples' expected_score, where their records carry one; else null. */
  expected_score: { mean: number; count: number } | null;
  seed_file: string | null;
}

export const MANIFEST_FILE = 'manifest.json';

/** What a restart relies on; the rest of an older or newer manifest is not checked. */
const storedManifest = z.object({
  id: z.string(),
  created_at: z.string(),
  group: z.string(),
  offsets: z.array(z.object({ topic: z.string(), partition: z.number().int(), from: z.number().int(), to: z.number().int() })),
});
export type StoredManifest = z.infer<typeof storedManifest>;

/**
 * Finished snapshots in `outDir`, oldest first. Temp folders start with "." and are skipped; a
 * folder whose manifest is unreadable is logged and skipped (renames make that a human's doing).
 */
export function listSnapshots(outDir: string, logger: Logger): StoredManifest[] {
  if (!fs.existsSync(outDir)) return [];
  const found: StoredManifest[] = [];
  for (const entry of fs.readdirSync(outDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const file = path.join(outDir, entry.name, MANIFEST_FILE);
    if (!fs.existsSync(file)) continue;
    const parsed = storedManifest.safeParse(readJson(file));
    if (!parsed.success || parsed.data.id !== entry.name) {
      logger.warn('skipping a folder with an unreadable snapshot manifest', { file });
      continue;
    }
    found.push(parsed.data);
  }
  return found.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

/**
 * Per `topic:partition`, the first offset no snapshot of `group` covers. A restart after a crash
 * between the rename and the offset commit re-reads records below it: they are skipped, not written again.
 */
export function snapshotFrontier(manifests: readonly StoredManifest[], group: string): Map<string, number> {
  const frontier = new Map<string, number>();
  for (const m of manifests) {
    if (m.group !== group) continue;
    for (const r of m.offsets) {
      const key = partitionKey(r.topic, r.partition);
      frontier.set(key, Math.max(frontier.get(key) ?? 0, r.to + 1));
    }
  }
  return frontier;
}

/** A manifest this engine wrote (the writer is its only author, so no schema check beyond JSON). */
export function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
