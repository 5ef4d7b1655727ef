/** The scoring modes (src/llm/scoring/scorer.ts explains each). */
export const SCORE_MODES = ['text', 'constrained', 'expected', 'fit', 'hybrid'] as const;
export type ScoreMode = (typeof SCORE_MODES)[number];

/** A model's measured scoring defaults: the mode that discriminated best, and its fit calibration. */
export interface ScoringDefaults {
  mode: ScoreMode;
  /** Gains (nats per token) that map to score 1 and to score 5 in modes fit and hybrid. */
  fit?: { low: number; high: number };
}
