import crypto from 'node:crypto';
import type { CuratedExampleRecord } from '../records/types';
import type { SeedPair } from '../llm/seedPairs';

/**
 * Which examples count as "the same" across snapshots of one outDir.
 *
 * Augmented examples are keyed by scored_id (the pair as rated by one scorer, prompt version and
 * iteration), not example_id: example_id also hashes the tier, so a score-5 pair routed to both
 * curated.tier5 and curated.tier4 would otherwise be written twice by a trainer reading both topics.
 * A replay of the same iteration reproduces the same scored_id and is dropped; a new iteration
 * (new scorer) gets new ids, so its snapshots hold its full curated set.
 *
 * Seed pairs are keyed by their text and the trainer iteration: whether they come from the seed file
 * or a curated topic (source "seed"), each lands once per iteration.
 */
export function curatedKey(record: CuratedExampleRecord, seedIteration: number): string {
  return record.source === 'seed' ? seedKey(record, seedIteration) : `scored\u0000${record.scored_id}`;
}

export function seedKey(pair: Pick<SeedPair, 'instruction' | 'output'>, iteration: number): string {
  return `seed\u0000${iteration}\u0000${pair.instruction}\u0000${pair.output}`;
}

/** Bytes per stored key: 64 bits make a false "already written" unlikely below ~10^8 examples (birthday bound ~ n^2/2^65). */
export const KEY_BYTES = 8;

/** The 64-bit prefix of sha256(key), the form the index and keys.bin store. */
export function keyPrefix(key: string): bigint {
  return crypto.createHash('sha256').update(key).digest().readBigUInt64BE(0);
}

export function encodePrefixes(prefixes: readonly bigint[]): Buffer {
  const buf = Buffer.alloc(prefixes.length * KEY_BYTES);
  prefixes.forEach((p, i) => buf.writeBigUInt64BE(p, i * KEY_BYTES));
  return buf;
}

/** Whole 8-byte entries only: a torn tail (crash mid-write) is ignored by the caller's length check. */
export function decodePrefixes(buf: Buffer): bigint[] {
  const out: bigint[] = [];
  for (let at = 0; at + KEY_BYTES <= buf.length; at += KEY_BYTES) out.push(buf.readBigUInt64BE(at));
  return out;
}
