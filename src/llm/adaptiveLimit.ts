/**
 * AIMD concurrency limit for one inference endpoint (TCP congestion control, applied to requests):
 * each success adds 1/limit (so +1 per window of `limit` successes, up to `max`); an overload signal
 * (429, 5xx, timeout, reset) halves it (down to `min`). Overload signals within `holdMs` of a cut
 * count once: one overloaded moment fails many in-flight requests together.
 */
export interface AdaptiveLimitOptions {
  max: number;
  min?: number;
  initial?: number;
  holdMs?: number;
  now?: () => number;
}

export class AdaptiveLimit {
  private value: number;
  private lastCut = -Infinity;
  readonly max: number;
  readonly min: number;

  constructor(private readonly opts: AdaptiveLimitOptions) {
    this.max = opts.max;
    this.min = Math.min(opts.min ?? 1, opts.max);
    this.value = clamp(opts.initial ?? opts.max, this.min, this.max);
  }

  get limit(): number {
    return Math.floor(this.value);
  }

  onSuccess(): void {
    this.value = clamp(this.value + 1 / Math.max(1, this.value), this.min, this.max);
  }

  /** Returns whether the limit was cut. */
  onOverload(): boolean {
    const now = (this.opts.now ?? Date.now)();
    if (now - this.lastCut < (this.opts.holdMs ?? 1000)) return false;
    this.lastCut = now;
    this.value = clamp(this.value / 2, this.min, this.max);
    return true;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
