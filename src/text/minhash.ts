import { fnv1a32, normalizeText } from './normalize';

/**
 * MinHash signatures with LSH banding, for the optional near-duplicate filter of the segment stage.
 * A signature holds `bands * rows` minima, one per hash function; two texts agree at one position
 * with probability equal to the Jaccard similarity of their shingle sets. Banding finds candidates
 * cheaply (texts agreeing on all rows of some band); each candidate is then verified by the share of
 * equal positions, so the threshold, not only the band shape, decides.
 * Seeds are fixed, so signatures are the same in every process and run.
 */
export interface MinHashOptions {
  /** Estimated Jaccard similarity at or above which a text is a near-duplicate. */
  threshold: number;
  bands: number;
  rows: number;
  /** Shingle size in words. */
  shingle: number;
}

/** 16 bands x 8 rows: candidates from about (1/16)^(1/8) = 0.71 similarity, verified at 0.8. */
export const DEFAULT_MINHASH: MinHashOptions = { threshold: 0.8, bands: 16, rows: 8, shingle: 5 };

/** murmur3's 32-bit finaliser: a bijection that mixes every input bit into every output bit. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Deterministic seeds (splitmix32 from a fixed start): one hash function per signature position. */
export function minhashSeeds(count: number): Uint32Array {
  const seeds = new Uint32Array(count);
  let state = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    seeds[i] = fmix32(state);
  }
  return seeds;
}

/** Hashes of the word shingles of the normalised text (the whole text when it has fewer words). */
export function shingleHashes(text: string, size: number): Uint32Array {
  const words = normalizeText(text).split(' ').filter((w) => w !== '');
  if (words.length === 0) return new Uint32Array(0);
  const count = Math.max(1, words.length - size + 1);
  const hashes = new Uint32Array(count);
  for (let i = 0; i < count; i++) hashes[i] = fnv1a32(words.slice(i, i + size).join(' '));
  return hashes;
}

export function minhashSignature(text: string, seeds: Uint32Array, shingle: number): Uint32Array {
  const sig = new Uint32Array(seeds.length).fill(0xffffffff);
  for (const h of shingleHashes(text, shingle)) {
    for (let i = 0; i < seeds.length; i++) {
      const v = fmix32(h ^ seeds[i]);
      if (v < sig[i]) sig[i] = v;
    }
  }
  return sig;
}

/** Share of positions where two signatures agree: an unbiased estimate of the Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError('signatures of different lengths');
  let equal = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equal++;
  return equal / a.length;
}

/**
 * An in-memory LSH index. Memory per kept text: the signature (4 bytes x bands x rows, 512 bytes by
 * default) plus one map entry per band. It lives in one process: replicas do not share it.
 */
export class NearDuplicateIndex {
  private readonly seeds: Uint32Array;
  private readonly signatures: Uint32Array[] = [];
  private readonly buckets: Array<Map<number, number[]>>;

  constructor(private readonly opts: MinHashOptions = DEFAULT_MINHASH) {
    if (opts.bands < 1 || opts.rows < 1) throw new RangeError('bands and rows must be at least 1');
    this.seeds = minhashSeeds(opts.bands * opts.rows);
    this.buckets = Array.from({ length: opts.bands }, () => new Map<number, number[]>());
  }

  signature(text: string): Uint32Array {
    return minhashSignature(text, this.seeds, this.opts.shingle);
  }

  /** True when an indexed text is a near-duplicate of `text`; otherwise indexes `text` and returns false. */
  checkAndAdd(text: string): boolean {
    const sig = this.signature(text);
    const keys = this.bandKeys(sig);
    const tried = new Set<number>();
    for (let b = 0; b < keys.length; b++) {
      for (const other of this.buckets[b].get(keys[b]) ?? []) {
        if (tried.has(other)) continue;
        tried.add(other);
        if (estimateJaccard(sig, this.signatures[other]) >= this.opts.threshold) return true;
      }
    }
    const id = this.signatures.push(sig) - 1;
    keys.forEach((key, b) => {
      const bucket = this.buckets[b].get(key);
      if (bucket) bucket.push(id);
      else this.buckets[b].set(key, [id]);
    });
    return false;
  }

  get size(): number {
    return this.signatures.length;
  }

  /** One 32-bit key per band from its rows; a key collision only adds a candidate that verification rejects. */
  private bandKeys(sig: Uint32Array): number[] {
    const keys: number[] = [];
    for (let b = 0; b < this.opts.bands; b++) {
      let h = 0x811c9dc5;
      for (let r = 0; r < this.opts.rows; r++) h = fmix32(h ^ sig[b * this.opts.rows + r]) ^ r;
      keys.push(h >>> 0);
    }
    return keys;
  }
}
