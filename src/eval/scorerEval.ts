/**
 * Scorer quality, per scoring mode, with the same scorer the score stage uses:
 * - shuffled (the easy case): true pairs against the same answers given another pair's instruction;
 *   AUC of the scores and the mean gap;
 * - labelled (the paper's measure): a file of pairs with gold scores 1-5; precision, recall and F1
 *   of tier 5 (the scorer's 5 against gold 5; the paper's seed model 0.44 / 0.09, GPT-4 0.88 / 0.92)
 *   and the Spearman rank correlation with the gold scores;
 * - parse rate (answers that gave a usable score), wall seconds and tokens per pair.
 * The ranking uses the continuous score where the mode has one (expected, fit, hybrid).
 */
import type { LlmBackend } from '../llm/backend';
import type { Scorer } from '../llm/scoring/scorer';
import { contentKey } from '../stages/contentKey';
import { seedOf } from '../stages/llmStage';
import { pairFailure } from './pairFailure';
import { mapConcurrent } from './concurrent';
import { auc, mean, precisionRecall, spearman } from './metrics';
import type { EvalPair, LabelledPair } from './pairsFile';

export interface Rated {
  /** Continuous score (expected) or the integer one; null when the scorer gave no usable score. */
  value: number | null;
  score: number | null;
  failure?: string;
}

export interface ScorerReport {
  mode: string;
  promptVersion: string;
  shuffled?: { pairs: number; auc: number; gap: number };
  labelled?: { pairs: number; precision: number; recall: number; f1: number; predicted5: number; gold5: number; spearman: number; histogram: Record<string, number> };
  parseRate: number;
  secondsPerPair: number;
  tokensPerPair: number;
  failures: Record<string, number>;
}

export interface ScorerEvalOptions {
  scorer: Scorer;
  backend: LlmBackend;
  /** True pairs for the shuffled test (answers get the instruction of the pair half the set away). */
  shuffledFrom?: readonly EvalPair[];
  labelled?: readonly LabelledPair[];
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

/** The same answers with another pair's instruction: a rotation by half the set, so no pair keeps its own. */
export function shuffledPairs(pairs: readonly EvalPair[]): EvalPair[] {
  const shift = Math.max(1, Math.floor(pairs.length / 2));
  return pairs.map((p, i) => ({ instruction: pairs[(i + shift) % pairs.length].instruction, output: p.output }));
}

export async function evalScorer(o: ScorerEvalOptions): Promise<ScorerReport> {
  const truePairs = o.shuffledFrom ?? [];
  const shuffled = shuffledPairs(truePairs);
  const labelled = o.labelled ?? [];
  const all: EvalPair[] = [...truePairs, ...(truePairs.length > 1 ? shuffled : []), ...labelled];
  let tokens = 0;
  const failures: Record<string, number> = {};
  const started = performance.now();
  const rated = await mapConcurrent(
    all,
    o.concurrency,
    async (p): Promise<Rated> => {
      const id = contentKey('eval', p.instruction, p.output);
      try {
        const r = await o.scorer.rate({ id, instruction: p.instruction, answer: p.output }, seedOf(id));
        tokens += r.tokensIn + r.tokensOut;
        return { value: r.expected ?? r.score, score: r.score };
      } catch (err) {
        const reason = pairFailure(err);
        if (reason === undefined) throw err;
        failures[reason] = (failures[reason] ?? 0) + 1;
        return { value: null, score: null, failure: reason };
      }
    },
    (done) => o.onProgress?.(done, all.length),
  );
  const seconds = (performance.now() - started) / 1000;
  const report: ScorerReport = {
    mode: o.scorer.mode,
    promptVersion: o.scorer.promptVersion,
    parseRate: rated.filter((r) => r.value !== null).length / Math.max(1, rated.length),
    secondsPerPair: seconds / Math.max(1, rated.length),
    tokensPerPair: tokens / Math.max(1, rated.length),
    failures,
  };
  if (truePairs.length > 1) {
    const matched = rated.slice(0, truePairs.length).flatMap((r) => (r.value === null ? [] : [r.value]));
    const other = rated.slice(truePairs.length, 2 * truePairs.length).flatMap((r) => (r.value === null ? [] : [r.value]));
    report.shuffled = { pairs: truePairs.length, auc: auc(matched, other), gap: mean(matched) - mean(other) };
  }
  if (labelled.length > 0) {
    const got = rated.slice(rated.length - labelled.length);
    const usable = labelled.map((p, i) => ({ gold: p.score, r: got[i] })).filter((x) => x.r.value !== null);
    const pr = precisionRecall(labelled.map((p, i) => ({ predicted: got[i].score === 5, actual: p.score === 5 })));
    const histogram: Record<string, number> = {};
    for (const r of got) histogram[String(r.score ?? 'none')] = (histogram[String(r.score ?? 'none')] ?? 0) + 1;
    report.labelled = {
      pairs: labelled.length,
      precision: pr.precision,
      recall: pr.recall,
      f1: pr.f1,
      predicted5: pr.predicted,
      gold5: pr.actual,
      spearman: spearman(
        usable.map((x) => x.r.value!),
        usable.map((x) => x.gold),
      ),
      histogram,
    };
  }
  return report;
}
