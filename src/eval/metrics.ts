/**
 * The numbers `humpback eval` reports, as plain functions: ranking quality (AUC, Spearman), tier
 * precision and recall, and ROUGE-L between a generated and a reference instruction.
 */
import { wordsOf } from '../text/overlap';

/**
 * Probability that a random positive scores above a random negative (ties count half): 1 = perfect
 * separation, 0.5 = none. The Mann-Whitney U statistic over both groups.
 */
export function auc(positives: readonly number[], negatives: readonly number[]): number {
  if (positives.length === 0 || negatives.length === 0) return NaN;
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

/** Ranks 1..n with ties given their mean rank. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Pearson correlation; NaN when either side is constant. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return NaN;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman rank correlation (Pearson on tie-averaged ranks). */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  return pearson(ranks(xs), ranks(ys));
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  f1: number;
  /** Pairs predicted positive, and gold positives. */
  predicted: number;
  actual: number;
}

/** Precision, recall and F1 of `predicted` against `actual` (the paper's tier-5 scorer quality). */
export function precisionRecall(items: ReadonlyArray<{ predicted: boolean; actual: boolean }>): PrecisionRecall {
  const tp = items.filter((i) => i.predicted && i.actual).length;
  const predicted = items.filter((i) => i.predicted).length;
  const actual = items.filter((i) => i.actual).length;
  const precision = predicted === 0 ? NaN : tp / predicted;
  const recall = actual === 0 ? NaN : tp / actual;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : predicted === 0 || actual === 0 ? NaN : 0;
  return { precision, recall, f1, predicted, actual };
}

/** ROUGE-L F1 over lowercase words: the longest common subsequence against both lengths. */
export function rougeL(candidate: string, reference: string): number {
  const a = wordsOf(candidate);
  const b = wordsOf(reference);
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const word of a) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = word === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    prev = row;
  }
  const lcs = prev[b.length];
  if (lcs === 0) return 0;
  const p = lcs / a.length;
  const r = lcs / b.length;
  return (2 * p * r) / (p + r);
}
