/**
 * A stage type added the way CONTRIBUTING.md says: this one file, plus one registry line (the test
 * that uses it appends `registerStage(toyStage)` to the registry). A Segment -> Segment filter that
 * keeps segments mentioning a word; its metadata claims an LLM and autoscaling so that every derived
 * file has something to show for it.
 */
import { z } from 'zod';
import type { StageDefinition } from '../../src/stages/stage';

export const configSchema = z.object({ word: z.string().min(1).default('whale') });

export const toyStage: StageDefinition<typeof configSchema.shape, 'humpback.Segment', 'humpback.Segment'> = {
  type: 'toy-filter',
  description: 'Keeps segments that mention a word (a test double).',
  meta: { category: 'curate', callsLlm: true, scaling: { bound: 'wait', autoscale: true } },
  configSchema,
  recordTypes: () => ({ input: 'humpback.Segment', output: 'humpback.Segment' }),
  create: (config, ctx) => (segment) => {
    if (segment.text.includes(config.word)) return [{ key: segment.segment_id, value: segment }];
    ctx.countFiltered('no-word');
    return [];
  },
};
