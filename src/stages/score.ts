import { z } from 'zod';
import type { LlmBackend } from '../llm/backend';
import { llmConfigSchema } from '../llm/createBackend';
import { counterIn } from '../metrics/define';
import { METRIC } from '../metrics/names';
import { fitConfigSchema } from '../llm/scoring/fit';
import { SCORE_MODES, type ScoreMode } from '../llm/scoring/modes';
import { checkScorerBackend, createScorer, type Scorer, type ScorerHooks } from '../llm/scoring/scorer';
import { modelOfBackend } from '../llm/models';
import type { CandidateRecord, ScoredCandidateRecord } from '../records/types';
import { contentKey } from './contentKey';
import { modelIdOf, openBackend, seedOf } from './llmStage';
import { paidOnceFor, type PaidOnce } from './paidOnce';
import type { StageDefinition } from './stage';
import type { Projection, StageOutput } from '../runtime/projection';

/**
 * Self-curation (humpback.Candidate -> humpback.ScoredCandidate, candidates -> scored): the scorer
 * rates each (instruction, segment) pair on the paper's 5-point scale, in one of the scoring modes of
 * src/llm/scoring/scorer.ts (text, constrained, expected, fit, hybrid). `auto` picks the mode measured
 * best for the model (src/llm/models.ts) on the embedded backend, and the paper's `text` on servers.
 * An unparseable answer is sampled again; after `parseRetries` re-samples the record is dead-lettered
 * with every raw answer. Replays are the iteration mechanism: a new scorer (or iteration) gives new
 * scored ids, nothing else changes.
 */
export const configSchema = z.object({
  /** How the score is obtained; `auto`: the model's measured default (embedded), `text` (servers). */
  mode: z.enum(['auto', ...SCORE_MODES]).default('auto'),
  /**
   * 0 (greedy): the scorer's most likely rating, and the same rating on a replay. Re-samples after
   * an unparseable answer use `retryTemperature`, since greedy decoding would repeat the same answer.
   */
  temperature: z.number().min(0).max(2).default(0),
  topP: z.number().gt(0).max(1).default(1),
  retryTemperature: z.number().min(0).max(2).default(0.7),
  /** Room for a brief rationale and the score line; an answer cut off before it is re-sampled. */
  maxTokens: z.number().int().min(8).max(4096).default(256),
  /**
   * Kept for topologies written before `mode`: with `mode: auto`, true means `constrained` and
   * false means `text`.
   */
  constrainScoreLine: z.boolean().optional(),
  /** Re-samples of an unparseable answer before the record is dead-lettered. */
  parseRetries: z.number().int().min(0).max(10).default(2),
  /** Modes fit and hybrid: answer tokens measured, neutral instruction, calibration (default: the model's). */
  fit: fitConfigSchema.prefault({}),
  /** Scorer iteration: 1 = seed model M0, 2 = M1 (part of the scored id). */
  iteration: z.number().int().min(1).default(1),
  llm: llmConfigSchema.prefault({}),
});
export type ScoreConfig = z.infer<typeof configSchema>;

export interface ScoreDeps {
  backend: LlmBackend;
  once: PaidOnce<ScoredCandidateRecord>;
  now: () => number;
  countFiltered: (reason: string) => void;
  signal?: AbortSignal;
  /** Metrics hooks: every rating given, every unusable answer (each attempt), every repair or rubric finding. */
  onScored?: (score: number) => void;
  onParseFailure?: (reason: string) => void;
  onRepair?: (reason: string) => void;
}

/** The mode a stage runs in: as configured, or the model's measured default. */
export function resolveScoreMode(config: Pick<ScoreConfig, 'mode' | 'constrainScoreLine'>, backend: Pick<LlmBackend, 'id' | 'constrains'>): ScoreMode {
  if (config.mode !== 'auto') return config.mode;
  if (config.constrainScoreLine !== undefined) return config.constrainScoreLine ? 'constrained' : 'text';
  return modelOfBackend(backend.id)?.scoring.mode ?? (backend.constrains ? 'constrained' : 'text');
}

export function scorerFor(config: ScoreConfig, backend: LlmBackend, hooks: ScorerHooks = {}): Scorer {
  const mode = resolveScoreMode(config, backend);
  return createScorer({ ...config, mode }, backend, modelOfBackend(backend.id)?.scoring.fit, hooks);
}

export function scoreProjection(config: ScoreConfig, d: ScoreDeps): Projection<CandidateRecord, ScoredCandidateRecord> {
  const model = modelIdOf(d.backend.id);
  const scorer = scorerFor(config, d.backend, { onParseFailure: d.onParseFailure, onRepair: d.onRepair });

  async function rate(c: CandidateRecord, key: string): Promise<StageOutput<ScoredCandidateRecord>[]> {
    const r = await scorer.rate({ id: c.candidate_id, instruction: c.instruction, answer: c.output }, seedOf(key), d.signal);
    const value: ScoredCandidateRecord = {
      scored_id: key,
      candidate_id: c.candidate_id,
      segment_id: c.segment_id,
      doc_id: c.doc_id,
      url: c.url,
      source_file: c.source_file,
      instruction: c.instruction,
      output: c.output,
      instruction_model: c.model,
      instruction_prompt_version: c.prompt_version,
      score: r.score,
      rationale: r.rationale,
      scorer_model: model,
      scorer_prompt_version: scorer.promptVersion,
      iteration: config.iteration,
      attempts: r.attempts,
      scored_at: d.now(),
      score_mode: scorer.mode,
      expected_score: r.expected,
      score_distribution: r.distribution,
    };
    d.onScored?.(r.score);
    return [{ key, value }];
  }

  return d.once.projection((c: CandidateRecord) => contentKey(c.candidate_id, model, scorer.promptVersion, config.iteration), rate, d.countFiltered);
}

export const scoreStage: StageDefinition<typeof configSchema.shape, 'humpback.Candidate', 'humpback.ScoredCandidate'> = {
  type: 'score',
  description:
    "Self-curation: the scorer rates each (instruction, answer) pair on the paper's 5-point rubric, in one of five scoring modes: text (the rubric read as text; the last `Score: N` line wins, " +
    'unparseable answers are re-sampled, then dead-lettered with the raw text), constrained, expected (probability-weighted score), fit or hybrid; `auto` = the model\'s measured default.',
  meta: { category: 'curate', callsLlm: true, scaling: { bound: 'wait', autoscale: true } },
  configSchema,
  recordTypes: () => ({ input: 'humpback.Candidate', output: 'humpback.ScoredCandidate' }),
  create: async (config, ctx) => {
    const once = await paidOnceFor<ScoredCandidateRecord>(ctx);
    const { backend, signal } = await openBackend(config.llm, ctx);
    // A backend that cannot serve the mode fails here, at start, not on every record.
    const mode = resolveScoreMode(config, backend);
    await checkScorerBackend(mode, backend, signal);
    const scores = counterIn(ctx.registry, METRIC.scores);
    const failures = counterIn(ctx.registry, METRIC.scoreParseFailures);
    const repaired = counterIn(ctx.registry, METRIC.llmOutputRepaired);
    const labels = { stage: ctx.stage, scorer_model: modelIdOf(backend.id), prompt_version: scorerFor(config, backend).promptVersion };
    const project = scoreProjection(config, {
      backend,
      once,
      now: ctx.now,
      countFiltered: ctx.countFiltered,
      signal,
      onScored: (score) => scores.inc({ ...labels, score: String(score) }),
      onParseFailure: (reason) => failures.inc({ stage: ctx.stage, reason }),
      onRepair: (reason) => repaired.inc({ stage: ctx.stage, reason }),
    });
    ctx.logger.info('scoring', { mode, scorer: modelIdOf(backend.id) });
    return project;
  },
};
