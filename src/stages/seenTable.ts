import { hashPrefix64 } from '../text/normalize';

/**
 * Open-addressing hash table of 64-bit id prefixes and 32-bit claimants: 12 bytes a slot, at most
 * 60% full, so about 20 bytes per id instead of ~100 for a hex string in a Set.
 */
export class SeenTable {
  private slots: Uint32Array;
  private count = 0;

  constructor(capacity = 1024) {
    this.slots = new Uint32Array(3 * 2 ** Math.ceil(Math.log2(Math.max(16, capacity))));
  }

  get size(): number {
    return this.count;
  }

  get(segmentId: string): number | undefined {
    const [hi, lo] = key(segmentId);
    const i = this.find(this.slots, hi, lo);
    return this.slots[i] === 0 && this.slots[i + 1] === 0 ? undefined : this.slots[i + 2];
  }

  add(segmentId: string, claimant: number): void {
    const [hi, lo] = key(segmentId);
    const i = this.find(this.slots, hi, lo);
    if (this.slots[i] !== 0 || this.slots[i + 1] !== 0) return; // first claim wins
    this.slots[i] = hi;
    this.slots[i + 1] = lo;
    this.slots[i + 2] = claimant >>> 0;
    if (++this.count > 0.6 * (this.slots.length / 3)) this.grow();
  }

  /** Slot index (times 3) holding the key, or the empty slot where it would go. */
  private find(slots: Uint32Array, hi: number, lo: number): number {
    const mask = slots.length / 3 - 1;
    for (let s = lo & mask; ; s = (s + 1) & mask) {
      const i = 3 * s;
      if ((slots[i] === hi && slots[i + 1] === lo) || (slots[i] === 0 && slots[i + 1] === 0)) return i;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 3) {
      if (old[i] === 0 && old[i + 1] === 0) continue;
      const j = this.find(this.slots, old[i], old[i + 1]);
      this.slots.set(old.subarray(i, i + 3), j);
    }
  }
}

/** (0, 0) marks an empty slot, so the one id with that prefix is stored as (0, 1): a harmless alias. */
function key(segmentId: string): [number, number] {
  const [hi, lo] = hashPrefix64(segmentId);
  return hi === 0 && lo === 0 ? [0, 1] : [hi, lo];
}
