/** Reading snapshot folders back in tests: every line parsed, every manifest claim checked against the files. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CuratedExampleRecord } from '../../src/records/types';
import { readManifest, type Manifest } from '../../src/trainer/manifest';
import { sampleCuratedExample } from './sampleRecords';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ReadSnapshot {
  id: string;
  dir: string;
  manifest: Manifest;
  /** Every line of every shard, parsed, in order. */
  lines: unknown[];
}

/** Finished snapshots in `outDir` (temp and hidden entries skipped), oldest first. */
export function readSnapshots(outDir: string): ReadSnapshot[] {
  if (!fs.existsSync(outDir)) return [];
  return fs
    .readdirSync(outDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => {
      const dir = path.join(outDir, e.name);
      const manifest = readManifest(dir);
      const lines = manifest.files.flatMap((f) =>
        fs.readFileSync(path.join(dir, f.path), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown),
      );
      return { id: e.name, dir, manifest, lines };
    })
    .sort((a, b) => a.manifest.created_at.localeCompare(b.manifest.created_at) || a.id.localeCompare(b.id));
}

/** Problems with a snapshot's manifest: hashes, line counts and totals that do not match its files. */
export function manifestProblems(dir: string): string[] {
  const m = readManifest(dir);
  const problems: string[] = [];
  let lines = 0;
  for (const f of [...m.files, m.keys]) {
    const bytes = fs.readFileSync(path.join(dir, f.path));
    if (crypto.createHash('sha256').update(bytes).digest('hex') !== f.sha256) problems.push(`${f.path}: sha256 differs`);
    if (bytes.length !== f.bytes) problems.push(`${f.path}: ${bytes.length} bytes, manifest says ${f.bytes}`);
  }
  for (const f of m.files) {
    const text = fs.readFileSync(path.join(dir, f.path), 'utf8');
    const n = text.split('\n').length - 1;
    if (!text.endsWith('\n') || n !== f.lines) problems.push(`${f.path}: ${n} lines, manifest says ${f.lines}`);
    lines += n;
  }
  if (lines !== m.counts.examples) problems.push(`${lines} lines in all, manifest says ${m.counts.examples} examples`);
  if (m.counts.augmented + m.counts.seed !== m.counts.examples) problems.push('augmented + seed != examples');
  if (m.keys.lines !== m.counts.examples) problems.push(`keys.bin holds ${m.keys.lines} keys for ${m.counts.examples} examples`);
  const byTier = Object.values(m.counts.by_tier).reduce((a, b) => a + b, 0);
  if (byTier !== m.counts.examples - m.counts.seed_from_file) problems.push(`by_tier sums to ${byTier}`);
  return problems;
}

/** The chat messages of a parsed line (throws when it is not a chat line). */
export function chatMessages(line: unknown): ChatMessage[] {
  const messages = (line as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) throw new Error(`not a chat line: ${JSON.stringify(line)}`);
  return messages as ChatMessage[];
}

/** A distinct curated example `i`: its own scored_id, example_id and text, tier 5. */
export function curatedExample(i: number, overrides: Partial<CuratedExampleRecord> = {}): CuratedExampleRecord {
  const id = (s: string): string => crypto.createHash('sha256').update(`${s}-${i}`).digest('hex');
  return sampleCuratedExample({
    example_id: id('example'),
    scored_id: id('scored'),
    candidate_id: id('candidate'),
    instruction: `Question number ${i}?`,
    output: `Answer number ${i}.`,
    ...overrides,
  });
}
