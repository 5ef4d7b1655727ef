import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/logger';
import { fsyncPath, writeFileSynced } from '../util/durable';
import { CARD_FILE, DATA_DIR, datasetCard } from './datasetCard';
import { formatLine, type SnapshotFormat, type TagPlacement } from './format';
import { HOOK_FILE, noHookRecord } from './hook';
import { encodePrefixes } from './keys';
import { MANIFEST_FILE, type Manifest, type ManifestFile, type OffsetRange } from './manifest';
import type { SnapshotContent } from './snapshotBatch';

/** Folders being written; never read as snapshots and removed at start (a crash left them). */
export const TEMP_PREFIX = '.tmp-';
export const KEYS_FILE = 'keys.bin';

export interface SnapshotPlan {
  outDir: string;
  content: SnapshotContent;
  format: SnapshotFormat;
  sourceTag: TagPlacement;
  shardLines: number;
  topics: string[];
  group: string;
  seedFile: string | null;
  /** Without a hook, hook.json says so from the start: a hook configured later skips old snapshots. */
  hookConfigured: boolean;
  now?: Date;
}

export interface WrittenSnapshot {
  dir: string;
  manifest: Manifest;
}

/**
 * Writes a snapshot so that it is either absent or complete under its final name: shards (under
 * data/), keys, manifest and the README.md dataset card go to `<outDir>/.tmp-<id>/`, each file and then the folder are fsynced, the folder is
 * renamed to `<outDir>/<id>/` and outDir is fsynced so the rename survives a power cut. Offsets may
 * be committed once this returns.
 */
export function writeSnapshot(plan: SnapshotPlan): WrittenSnapshot {
  const now = plan.now ?? new Date();
  const id = snapshotId(now, plan.content.offsets);
  const temp = path.join(plan.outDir, `${TEMP_PREFIX}${id}`);
  const dir = path.join(plan.outDir, id);
  if (fs.existsSync(dir)) throw new Error(`snapshot folder ${dir} exists already`); // ids carry ms and offsets: a bug if so
  fs.mkdirSync(plan.outDir, { recursive: true });
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(temp);

  let manifest: Manifest;
  try {
    const lines = plan.content.examples.map((e) => formatLine(e, plan.format, plan.sourceTag));
    const files: ManifestFile[] = [];
    fs.mkdirSync(path.join(temp, DATA_DIR));
    for (let start = 0, n = 0; start < lines.length; start += plan.shardLines, n += 1) {
      const chunk = lines.slice(start, start + plan.shardLines);
      files.push(writeTracked(temp, `${DATA_DIR}/train-${String(n).padStart(5, '0')}.jsonl`, chunk.join('\n') + '\n', chunk.length));
    }
    fsyncPath(path.join(temp, DATA_DIR));
    const keys = writeTracked(temp, KEYS_FILE, encodePrefixes(plan.content.prefixes), plan.content.prefixes.length);
    manifest = manifestOf(plan, id, now, files, keys);
    writeFileSynced(path.join(temp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    writeFileSynced(path.join(temp, CARD_FILE), datasetCard(manifest, plan.content.examples));
    if (!plan.hookConfigured) writeFileSynced(path.join(temp, HOOK_FILE), JSON.stringify(noHookRecord(now), null, 2) + '\n');
    fsyncPath(temp);
  } catch (err) {
    fs.rmSync(temp, { recursive: true, force: true }); // e.g. a full disk; a crash instead leaves it to cleanTempDirs
    throw err;
  }
  fs.renameSync(temp, dir);
  fsyncPath(plan.outDir);
  return { dir, manifest };
}

/** Sortable by time; the hash of the offset ranges tells two snapshots of the same millisecond apart. */
export function snapshotId(now: Date, offsets: readonly OffsetRange[]): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  const digest = crypto.createHash('sha256').update(JSON.stringify(offsets)).digest('hex').slice(0, 8);
  return `${stamp}-${digest}`;
}

/** Removes temp folders a crash left behind; their offsets were never committed, so nothing is lost. */
export function cleanTempDirs(outDir: string, logger: Logger): string[] {
  if (!fs.existsSync(outDir)) return [];
  const removed = fs
    .readdirSync(outDir)
    .filter((name) => name.startsWith(TEMP_PREFIX))
    .map((name) => path.join(outDir, name));
  for (const dir of removed) {
    fs.rmSync(dir, { recursive: true, force: true });
    logger.info('removed an unfinished snapshot folder left by a crash', { dir });
  }
  return removed;
}

function manifestOf(plan: SnapshotPlan, id: string, now: Date, files: ManifestFile[], keys: ManifestFile): Manifest {
  const c = plan.content;
  return {
    manifest_version: 1,
    id,
    created_at: now.toISOString(),
    format: plan.format,
    source_tag: plan.sourceTag,
    iteration: c.iteration,
    iterations_seen: c.iterationsSeen,
    tiers: c.tiers,
    topics: plan.topics,
    group: plan.group,
    offsets: c.offsets,
    counts: c.counts,
    files,
    keys,
    models: c.models,
    score_histogram: c.scoreHistogram,
    expected_score: c.expectedScore,
    seed_file: plan.seedFile,
  };
}

function writeTracked(dir: string, name: string, data: string | Buffer, lines: number): ManifestFile {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeFileSynced(path.join(dir, name), bytes);
  return { path: name, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), lines, bytes: bytes.length };
}
