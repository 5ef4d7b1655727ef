import { z } from 'zod';
import type { CuratedExampleRecord, ScoredCandidateRecord } from '../records/types';
import { contentKey } from './contentKey';
import type { StageDefinition } from './stage';
import type { Projection, StageOutput } from '../runtime/projection';

/**
 * Routes scored pairs to curated tier topics (humpback.ScoredCandidate -> humpback.CuratedExample).
 * Tiers are thresholds, not bands: a pair goes to every tier whose minScore it reaches, so by
 * default a score-5 pair lands in curated.tier5 (A5) and curated.tier4 (A4 = score >= 4), like the
 * paper's nested sets. A pair below every tier is dropped and counted as `below-tiers`.
 * Tier counts are the runtime's produced counter per tier topic, counted once the broker has
 * acknowledged them: humpback_records_produced_total{stage="tier-filter",topic="curated.tier5"}.
 */
const tierSchema = z.strictObject({
  name: z.string().min(1),
  minScore: z.number().int().min(1).max(5),
  /**
   * Also require the expected score (modes expected, fit, hybrid; the integer score where a mode has
   * none) to reach this, e.g. 4.7 for a stricter A5. The integer score of those modes is the expected
   * score rounded half up, so minScore 5 alone is the paper's "expected >= 4.5".
   */
  minExpected: z.number().min(1).max(5).optional(),
  /** Curated topic of this tier (declared in the topology, schema humpback.CuratedExample). */
  topic: z.string().min(1),
});
export type Tier = z.infer<typeof tierSchema>;

export const DEFAULT_TIERS: readonly Tier[] = [
  { name: 'tier5', minScore: 5, topic: 'curated.tier5' },
  { name: 'tier4', minScore: 4, topic: 'curated.tier4' },
];

export const configSchema = z.object({
  tiers: z
    .array(tierSchema)
    .min(1)
    .default(() => DEFAULT_TIERS.map((t) => ({ ...t })))
    // Refined on the field (not the object) so the topology checks it at load time, with its path.
    .superRefine((tiers, ctx) => {
      tiers.forEach((t, i) => {
        if (tiers.findIndex((u) => u.name === t.name) < i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `tier name "${t.name}" is used twice` });
        if (tiers.findIndex((u) => u.topic === t.topic) < i) ctx.addIssue({ code: 'custom', path: [i, 'topic'], message: `two tiers route to topic "${t.topic}"; give each tier its own topic` });
      });
    }),
});
export type TierFilterConfig = z.infer<typeof configSchema>;

export interface TierFilterDeps {
  now: () => number;
  countFiltered: (reason: string) => void;
}

export function tierFilterProjection(config: TierFilterConfig, d: TierFilterDeps): Projection<ScoredCandidateRecord, CuratedExampleRecord> {
  return (s) => {
    const reached = config.tiers.filter((t) => s.score >= t.minScore && (t.minExpected === undefined || (s.expected_score ?? s.score) >= t.minExpected));
    if (reached.length === 0) d.countFiltered('below-tiers');
    const curatedAt = d.now();
    return reached.map((tier): StageOutput<CuratedExampleRecord> => {
      // The tier is part of the id: the same pair in two tier topics is two examples, each stable across replays.
      const key = contentKey(s.scored_id, tier.minScore);
      return {
        key,
        topic: tier.topic,
        value: {
          example_id: key,
          tier: tier.minScore,
          source: 'augmented',
          instruction: s.instruction,
          output: s.output,
          score: s.score,
          scored_id: s.scored_id,
          candidate_id: s.candidate_id,
          segment_id: s.segment_id,
          url: s.url,
          instruction_model: s.instruction_model,
          scorer_model: s.scorer_model,
          scorer_prompt_version: s.scorer_prompt_version,
          iteration: s.iteration,
          curated_at: curatedAt,
          expected_score: s.expected_score,
        },
      };
    });
  };
}

export const tierFilterStage: StageDefinition<typeof configSchema.shape, 'humpback.ScoredCandidate', 'humpback.CuratedExample'> = {
  type: 'tier-filter',
  description:
    'Routes scored pairs to curated tier topics: score 5 to A5 and A4, score 4 to A4 (continuous modes round their expected score half up, so 5 = expected >= 4.5, the paper\'s A5); ' +
    '`minExpected` adds a stricter cut.',
  meta: { category: 'curate', callsLlm: false, scaling: { bound: 'wait', autoscale: false, requests: { cpu: '100m', memoryMi: 256 } } },
  configSchema,
  recordTypes: () => ({ input: 'humpback.ScoredCandidate', output: 'humpback.CuratedExample' }),
  extraOutputTopics: (config) => config.tiers.map((t) => t.topic),
  create: (config, ctx) => tierFilterProjection(config, { now: ctx.now, countFiltered: ctx.countFiltered }),
};
