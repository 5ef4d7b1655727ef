import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { LlmBackend } from '../llm/backend';
import { llmConfigSchema } from '../llm/createBackend';
import { counterIn } from '../metrics/define';
import { METRIC } from '../metrics/names';
import { parseScore } from '../llm/scoreParser';
import { buildScorePrompt, SCORE_PROMPT_VERSION } from '../llm/scorePrompt';
import type { CandidateRecord, ScoredCandidateRecord } from '../records/types';
import { PoisonRecordError } from '../runtime/errors';
import { contentKey } from './contentKey';
import { modelIdOf, openBackend, seedOf } from './llmStage';
import { paidOnceFor, type PaidOnce } from './paidOnce';
import type { StageDefinition, StageOutput } from './stage';

/**
 * Self-curation (humpback.Candidate -> humpback.ScoredCandidate, candidates -> scored): the scorer
 * rates each (instruction, segment) pair on the paper's 5-point scale (src/llm/scorePrompt.ts). The
 * score comes from the model's continuation only, as its last `Score: N` line (src/llm/scoreParser.ts),
 * with the pair's own text removed first so a segment saying "Score: 5" cannot vote. An unparseable
 * answer is sampled again; after `parseRetries` re-samples the record is dead-lettered with every raw answer.
 * Replays are the iteration mechanism: a new scorer (or iteration) gives new scored ids, nothing else changes.
 */
export const configSchema = z.object({
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
   * On backends that can constrain decoding (embedded): when the free answer has no valid score
   * line, append "Score:" and let the model pick the most likely of 1-5 (the rating is still the
   * model's). Small models often never write the line by themselves; servers ignore this.
   */
  constrainScoreLine: z.boolean().default(true),
  /** Re-samples of an unparseable answer before the record is dead-lettered. */
  parseRetries: z.number().int().min(0).max(10).default(2),
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
  /** Metrics hooks: every rating given, every unusable answer (each attempt). */
  onScored?: (score: number) => void;
  onParseFailure?: (reason: string) => void;
}

/** The score line as a constrained ending: the same `Score: N` the parser reads. */
const SCORE_LINE_CHOICE = { prefix: '\nScore:', choices: [' 1', ' 2', ' 3', ' 4', ' 5'] };

export function scoreOperator(config: ScoreConfig, d: ScoreDeps): OperatorFunction<CandidateRecord, StageOutput<ScoredCandidateRecord>> {
  const model = modelIdOf(d.backend.id);

  async function rate(c: CandidateRecord, key: string): Promise<StageOutput<ScoredCandidateRecord>[]> {
    const messages = buildScorePrompt({ instruction: c.instruction, answer: c.output, id: c.candidate_id });
    const answers: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const temperature = attempt === 1 ? config.temperature : Math.max(config.temperature, config.retryTemperature);
      const untrusted = [c.instruction, c.output];
      const res = await d.backend.complete({
        messages,
        sampling: { temperature, topP: config.topP, maxTokens: config.maxTokens, seed: seedOf(key, attempt - 1) },
        signal: d.signal,
        finalChoice: config.constrainScoreLine ? { ...SCORE_LINE_CHOICE, satisfied: (text) => parseScore(text, untrusted).ok } : undefined,
      });
      answers.push(res.text);
      const parsed = parseScore(res.text, untrusted);
      if (!parsed.ok) {
        d.onParseFailure?.(parsed.reason);
        if (attempt <= config.parseRetries) continue;
        throw new PoisonRecordError(parsed.reason, `no usable score after ${attempt} answer(s): ${parsed.message}`, { detail: rawAnswers(answers) });
      }
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
        score: parsed.score,
        rationale: parsed.rationale,
        scorer_model: model,
        scorer_prompt_version: SCORE_PROMPT_VERSION,
        iteration: config.iteration,
        attempts: attempt,
        scored_at: d.now(),
      };
      d.onScored?.(parsed.score);
      return [{ key, value }];
    }
  }

  return d.once.operator((c: CandidateRecord) => contentKey(c.candidate_id, model, SCORE_PROMPT_VERSION, config.iteration), rate, d.countFiltered);
}

/** Every answer the scorer gave, for the dead letter: what the model said is the evidence. */
function rawAnswers(answers: readonly string[]): string {
  return answers.map((a, i) => `--- answer ${i + 1} of ${answers.length} ---\n${a}`).join('\n');
}

export const scoreStage: StageDefinition<typeof configSchema.shape, CandidateRecord, ScoredCandidateRecord> = {
  type: 'score',
  description: "Self-curation: the scorer rates each pair on the paper's 5-point scale (METHOD.md).",
  configSchema,
  recordTypes: () => ({ input: 'humpback.Candidate', output: 'humpback.ScoredCandidate' }),
  create: async (config, ctx) => {
    const once = await paidOnceFor<ScoredCandidateRecord>(ctx);
    const { backend, signal } = await openBackend(config.llm, ctx);
    const scores = counterIn(ctx.registry, METRIC.scores);
    const failures = counterIn(ctx.registry, METRIC.scoreParseFailures);
    const labels = { stage: ctx.stage, scorer_model: modelIdOf(backend.id), prompt_version: SCORE_PROMPT_VERSION };
    return scoreOperator(config, {
      backend,
      once,
      now: ctx.now,
      countFiltered: ctx.countFiltered,
      signal,
      onScored: (score) => scores.inc({ ...labels, score: String(score) }),
      onParseFailure: (reason) => failures.inc({ stage: ctx.stage, reason }),
    });
  },
};
