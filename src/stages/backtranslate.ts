import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LlmBackend } from '../llm/backend';
import { backtranslatePromptVersion } from '../llm/backtranslatePrompt';
import { createBacktranslator } from '../llm/backtranslator';
import { llmConfigSchema } from '../llm/createBackend';
import { promptVersion } from '../llm/promptVersion';
import { loadSeedPairs, type SeedPair } from '../llm/seedPairs';
import type { CandidateRecord, SegmentRecord } from '../records/types';
import { projectRoot } from '../util/paths';
import { counterIn } from '../metrics/define';
import { METRIC } from '../metrics/names';
import { contentKey } from './contentKey';
import { modelIdOf, openBackend, seedOf } from './llmStage';
import { paidOnceFor, type PaidOnce } from './paidOnce';
import type { StageDefinition } from './stage';
import type { Projection, StageOutput } from '../runtime/projection';

/**
 * Self-augmentation (humpback.Segment -> humpback.Candidate, segments -> candidates): the backward
 * model M_yx writes the instruction each segment answers (docs/method.md). Few-shot mode emulates M_yx
 * with k seed pairs flipped (chosen deterministically per segment); finetuned mode sends the segment
 * alone to a backward model. An unusable instruction (empty, overlong, copied, cut off) is a normal
 * outcome: filtered and counted by reason, not dead-lettered.
 */
export const configSchema = z.object({
  mode: z.enum(['few-shot', 'finetuned']).default('few-shot'),
  /** Seed pairs shown per prompt (few-shot). */
  k: z.number().int().min(0).max(16).default(1),
  /** JSON lines of {"instruction","output"}; relative paths are tried in the working directory, then the project root. */
  seedFile: z.string().min(1).default('samples/seed.jsonl'),
  /** Seeds with longer answers are never shown: keeps k examples plus a 3,000-character segment in a small model's context. */
  maxSeedChars: z.number().int().min(50).default(1200),
  /** Paper: 0.7 / 0.9. */
  temperature: z.number().min(0).max(2).default(0.7),
  topP: z.number().gt(0).max(1).default(0.9),
  /** An instruction is a sentence or two; a longer answer is chatter (and costs time on a CPU). */
  maxTokens: z.number().int().min(8).max(4096).default(96),
  /**
   * Generation stops at these. Instructions are one line (every bundled seed is), and small models
   * ramble on after it: stopping at the newline keeps the instruction and saves most of the tokens.
   * [] lets multi-line instructions through (the cleaner still cuts at the first blank line).
   */
  stop: z.array(z.string().min(1)).max(4).default(['\n']),
  maxInstructionChars: z.number().int().min(10).default(500),
  /** Share of the instruction's word 4-grams found in the segment above which it counts as copied. */
  maxCopiedShare: z.number().min(0).max(1).default(0.7),
  /**
   * The answer is the segment's body: its own heading line is the title it sits under, not part of
   * the answer (on FAQ-like pages the heading is the question, and an answer that opens by repeating
   * the question rates 1 by the rubric). true keeps the heading line in the answer, as the segment has it.
   */
  answerIncludesHeading: z.boolean().default(false),
  /** Self-alignment iteration (part of the candidate id: a new iteration writes new candidates). */
  iteration: z.number().int().min(1).default(1),
  llm: llmConfigSchema.prefault({}),
});
export type BacktranslateConfig = z.infer<typeof configSchema>;

export interface BacktranslateDeps {
  backend: LlmBackend;
  seeds: readonly SeedPair[];
  once: PaidOnce<CandidateRecord>;
  now: () => number;
  countFiltered: (reason: string) => void;
  /** Outputs kept after a repair (stray words cut), by reason. */
  countRepaired?: (reason: string) => void;
  signal?: AbortSignal;
}

/** The prompt version recorded with (and keyed into) every candidate: the template plus, few-shot, the seed set it draws from. */
export function candidatePromptVersion(config: Pick<BacktranslateConfig, 'mode' | 'k' | 'maxSeedChars' | 'answerIncludesHeading'>, seeds: readonly SeedPair[]): string {
  const template = config.answerIncludesHeading ? backtranslatePromptVersion(config.mode, config.k) : promptVersion(backtranslatePromptVersion(config.mode, config.k), 'answer: body');
  if (config.mode === 'finetuned') return template;
  const shown = seeds.filter((s) => s.output.length <= config.maxSeedChars).map((s) => `${s.instruction}\u0001${s.output}`);
  return promptVersion(template, ...shown);
}

export function backtranslateProjection(config: BacktranslateConfig, d: BacktranslateDeps): Projection<SegmentRecord, CandidateRecord> {
  const version = candidatePromptVersion(config, d.seeds);
  const model = modelIdOf(d.backend.id);
  const backtranslate = createBacktranslator(config, d.backend, d.seeds);

  async function write(segment: SegmentRecord, key: string): Promise<StageOutput<CandidateRecord>[]> {
    const answer = config.answerIncludesHeading ? segment.text : segmentBody(segment);
    const result = await backtranslate({ id: segment.segment_id, text: answer }, seedOf(key), d.signal);
    if (!result.ok) {
      d.countFiltered(result.reason);
      return [];
    }
    result.repairs.forEach((reason) => d.countRepaired?.(reason));
    const value: CandidateRecord = {
      candidate_id: key,
      segment_id: segment.segment_id,
      doc_id: segment.doc_id,
      segment_index: segment.segment_index,
      url: segment.url,
      source_file: segment.source_file,
      source_offset: segment.source_offset,
      source_line: segment.source_line,
      instruction: result.instruction,
      output: answer,
      model,
      prompt_version: version,
      temperature: config.temperature,
      top_p: config.topP,
      iteration: config.iteration,
      created_at: d.now(),
    };
    return [{ key, value }];
  }

  return d.once.projection((segment: SegmentRecord) => contentKey(segment.segment_id, model, version, config.iteration), write, d.countFiltered);
}

/** The segment's text without its leading heading line (the segmenter puts it first, then a blank line). */
export function segmentBody(segment: Pick<SegmentRecord, 'heading' | 'text'>): string {
  const head = `${segment.heading}\n\n`;
  return segment.heading !== '' && segment.text.startsWith(head) ? segment.text.slice(head.length) : segment.text;
}

/** A relative seed file is looked up in the working directory, then in the project root (where the default lives). */
export function resolveSeedFile(file: string): string {
  if (path.isAbsolute(file) || fs.existsSync(file)) return path.resolve(file);
  return path.join(projectRoot(), file);
}

export const backtranslateStage: StageDefinition<typeof configSchema.shape, 'humpback.Segment', 'humpback.Candidate'> = {
  type: 'backtranslate',
  description:
    'Self-augmentation: the backward model writes the instruction each segment answers (few-shot with k seed pairs flipped, k=1 by default, or a finetuned backward model; temperature 0.7, top-p 0.9). ' +
    "The answer is the segment's body without its own heading line. Stray words after the question are cut (`instruction.trailing-words`); " +
    "an instruction that is the prompt's own request or a few-shot example is dropped (`instruction.prompt-copy`, `instruction.example-copy`), like empty, cut-off, overlong or copied ones.",
  meta: { category: 'generate', callsLlm: true, scaling: { bound: 'wait', autoscale: true } },
  configSchema,
  recordTypes: () => ({ input: 'humpback.Segment', output: 'humpback.Candidate' }),
  create: async (config, ctx) => {
    // Seeds first: a bad seed file fails start-up before a model is loaded.
    const seeds = config.mode === 'few-shot' ? loadSeedPairs(resolveSeedFile(config.seedFile)) : [];
    const once = await paidOnceFor<CandidateRecord>(ctx);
    const { backend, signal } = await openBackend(config.llm, ctx);
    const repaired = counterIn(ctx.registry, METRIC.llmOutputRepaired);
    const countRepaired = (reason: string): void => repaired.inc({ stage: ctx.stage, reason });
    return backtranslateProjection(config, { backend, seeds, once, now: ctx.now, countFiltered: ctx.countFiltered, countRepaired, signal });
  },
};
