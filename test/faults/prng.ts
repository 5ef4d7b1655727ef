/**
 * Seeded randomness for the fault suite: every random choice of a trial (where to kill, which record is
 * poison, which LLM answer fails) comes from its seed, so a failing trial is re-run with the same choices
 * by FAULT_SEED=<seed> (timing still differs: the processes and the broker are real).
 */
import crypto from 'node:crypto';

export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  shuffle<T>(items: readonly T[]): T[];
}

/** mulberry32: small, fast, and good enough to pick kill points. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)];
    },
    chance: (p: number) => next() < p,
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}

/**
 * A deterministic draw in [0, 1) for a named event (e.g. "seed/score/k03.2/attempt 1"): the same
 * event gets the same draw whatever order requests arrive in.
 */
export function draw(...parts: Array<string | number>): number {
  return crypto.createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 4294967296;
}

/** A fresh 31-bit seed. */
export function randomSeed(): number {
  return crypto.randomBytes(4).readUInt32BE(0) >>> 1;
}
