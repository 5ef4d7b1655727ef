/**
 * The probability-weighted ("expected") score: the scorer's distribution over the ratings 1-5 at
 * the position where it gives its score, and its mean. The paper's A5 threshold reads "score >= 4.5":
 * with integer ratings that is 5, with the expected score it is 4.5, and rounding half up keeps the
 * two the same (expected 4.5 -> integer 5).
 */
import type { TokenLogprob } from '../backend';

export const RATINGS = [1, 2, 3, 4, 5] as const;

/** Normalised probabilities of the ratings from their log-probabilities (any that are -Infinity count 0). */
export function softmax(logprobs: readonly number[]): number[] {
  const max = Math.max(...logprobs);
  if (!Number.isFinite(max)) return logprobs.map(() => 0);
  const weights = logprobs.map((lp) => Math.exp(lp - max));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

export function expectedScore(distribution: readonly number[]): number {
  return distribution.reduce((sum, p, i) => sum + p * RATINGS[i], 0);
}

/**
 * The integer rating of an expected score: rounded half up, so >= 4.5 is 5 (the paper's A5). The
 * epsilon keeps a mean that is 4.5 but for float rounding (4.499999999) on the side it belongs to.
 */
export function ratingOf(expected: number): number {
  return Math.min(5, Math.max(1, Math.floor(expected + 0.5 + 1e-9)));
}

const DIGIT = /^\s*([1-5])\s*$/;
const SCORE_BEFORE = /score[\s*_]*[:：=][\s*_]*$/i;

/**
 * The distribution at the score digit of a server's answer (chat `logprobs` with `top_logprobs`):
 * the LAST generated token that is a digit 1-5 right after "Score:" (the parser's rule: the last
 * score line wins). Its alternatives that are digits 1-5 give the distribution, renormalised over
 * the ratings; ratings outside the server's top list count 0. Undefined when no such token exists.
 */
export function distributionAtScore(tokens: readonly TokenLogprob[]): number[] | undefined {
  let before = '';
  let found: TokenLogprob | undefined;
  for (const t of tokens) {
    if (DIGIT.test(t.text) && SCORE_BEFORE.test(before.slice(-40))) found = t;
    before += t.text;
  }
  if (!found) return undefined;
  const logprobs = RATINGS.map(() => -Infinity);
  for (const alt of [{ text: found.text, logprob: found.logprob }, ...found.top]) {
    const m = DIGIT.exec(alt.text);
    if (m) logprobs[Number(m[1]) - 1] = Math.max(logprobs[Number(m[1]) - 1], alt.logprob);
  }
  return softmax(logprobs);
}
