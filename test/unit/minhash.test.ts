import { estimateJaccard, minhashSeeds, minhashSignature, NearDuplicateIndex, shingleHashes } from '../../src/text/minhash';

/** Deterministic pseudo-random English-like text: `n` words from a fixed vocabulary. */
function words(n: number, seed: number): string[] {
  const vocab = 'whale song krill ocean migrate calf breed feed dive surface fluke pod sing theme record hydrophone season tropical polar water'.split(' ');
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return `${vocab[s % vocab.length]}${(s >>> 8) % 50}`;
  });
}

function exactJaccard(a: string, b: string, k: number): number {
  const set = (t: string) => new Set(Array.from(shingleHashes(t, k)));
  const A = set(a);
  const B = set(b);
  const shared = [...A].filter((x) => B.has(x)).length;
  return shared / (A.size + B.size - shared);
}

describe('MinHash', () => {
  it('uses fixed seeds: signatures are the same in every process', () => {
    expect(Array.from(minhashSeeds(4))).toEqual(Array.from(minhashSeeds(4)));
    expect(new Set(minhashSeeds(128)).size).toBe(128);
    const text = words(200, 1).join(' ');
    expect(minhashSignature(text, minhashSeeds(64), 5)).toEqual(minhashSignature(text, minhashSeeds(64), 5));
  });

  it('estimates the Jaccard similarity of shingle sets within a few points', () => {
    const base = words(400, 7);
    const edited = [...base];
    for (let i = 0; i < 400; i += 40) edited[i] = 'changed'; // 10 edits
    const a = base.join(' ');
    const b = edited.join(' ');
    const seeds = minhashSeeds(256);
    const estimate = estimateJaccard(minhashSignature(a, seeds, 5), minhashSignature(b, seeds, 5));
    expect(Math.abs(estimate - exactJaccard(a, b, 5))).toBeLessThan(0.08);
  });

  it('treats normalisation-only differences as identical (signatures work on normalised text)', () => {
    const seeds = minhashSeeds(32);
    expect(estimateJaccard(minhashSignature('Whales, SING!', seeds, 2), minhashSignature('whales sing', seeds, 2))).toBe(1);
  });
});

describe('NearDuplicateIndex', () => {
  it('flags a lightly edited copy, keeps unrelated texts, and only remembers what it kept', () => {
    const index = new NearDuplicateIndex();
    const original = words(300, 3);
    const copy = [...original];
    copy[150] = 'edited';
    expect(index.checkAndAdd(original.join(' '))).toBe(false);
    expect(index.checkAndAdd(words(300, 4).join(' '))).toBe(false);
    expect(index.checkAndAdd(copy.join(' '))).toBe(true);
    expect(index.size).toBe(2);
  });

  it('keeps texts below the threshold even when a band matches', () => {
    // Half the text shared: some bands may collide, verification rejects them.
    const index = new NearDuplicateIndex({ threshold: 0.8, bands: 32, rows: 2, shingle: 3 });
    const a = words(200, 11);
    const b = [...a.slice(0, 100), ...words(100, 12)];
    expect(index.checkAndAdd(a.join(' '))).toBe(false);
    expect(index.checkAndAdd(b.join(' '))).toBe(false);
  });

  it('rejects an empty band shape', () => {
    expect(() => new NearDuplicateIndex({ threshold: 0.8, bands: 0, rows: 8, shingle: 5 })).toThrow(RangeError);
  });
});
