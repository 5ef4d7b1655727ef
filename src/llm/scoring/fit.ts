/**
 * The `fit` signal: how much the instruction raises the probability of the answer, a pointwise
 * mutual information that a small model can compute where it cannot follow a long rating rubric
 * (instruction-following difficulty / PMI data selection). For the first `answerTokens` tokens of
 * the answer:
 *
 *   gain = mean log p(answer token | instruction) - mean log p(answer token | neutral instruction)
 *
 * An answer to a different question gains nothing from its instruction (gain near 0 or below); an
 * answer that fits gains clearly. The gain is mapped linearly onto the 1-5 scale between `low`
 * (score 1) and `high` (score 5), a per-model calibration measured with `humpback eval`.
 */
import { z } from 'zod';
import type { ChatMessage, LlmBackend } from '../backend';

export const fitConfigSchema = z.strictObject({
  /** Answer tokens measured: the opening of an answer shows best whether it answers the instruction. */
  answerTokens: z.number().int().min(8).max(1024).default(96),
  /** The instruction the gain is measured against: one that asks for nothing in particular. */
  neutralInstruction: z.string().min(1).default('Write a text.'),
  /** Gain (nats per token) that maps to score 1, and to score 5; default: the model's measured calibration. */
  low: z.number().optional(),
  high: z.number().optional(),
});
export type FitConfig = z.infer<typeof fitConfigSchema>;

export interface FitCalibration {
  low: number;
  high: number;
}

export interface FitMeasure {
  gain: number;
  /** Mean log-probability of the measured answer tokens given the instruction. */
  given: number;
  tokens: number;
  tokensIn: number;
}

const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

type Measurer = Required<Pick<LlmBackend, 'continuationLogprobs'>>;

/** The gain of one pair; `neutral` may be passed in when the same answer is measured against several instructions. */
export async function measureFit(
  backend: Measurer,
  pair: { instruction: string; answer: string },
  config: Pick<FitConfig, 'answerTokens' | 'neutralInstruction'>,
  signal?: AbortSignal,
  neutral?: Promise<number[]>,
): Promise<FitMeasure> {
  const ask = (instruction: string) => backend.continuationLogprobs({ messages: user(instruction), continuation: pair.answer, maxTokens: config.answerTokens, signal });
  const [given, base] = await Promise.all([ask(pair.instruction), neutral ?? ask(config.neutralInstruction).then((r) => r.logprobs)]);
  const n = Math.min(given.logprobs.length, base.length);
  if (n === 0) return { gain: 0, given: 0, tokens: 0, tokensIn: given.tokensIn };
  const g = mean(given.logprobs.slice(0, n));
  return { gain: g - mean(base.slice(0, n)), given: g, tokens: n, tokensIn: given.tokensIn * (neutral ? 1 : 2) };
}

/** The neutral baseline of an answer, for reuse across several instructions (eval's shuffled pairs). */
export async function neutralLogprobs(backend: Measurer, answer: string, config: Pick<FitConfig, 'answerTokens' | 'neutralInstruction'>, signal?: AbortSignal): Promise<number[]> {
  return (await backend.continuationLogprobs({ messages: user(config.neutralInstruction), continuation: answer, maxTokens: config.answerTokens, signal })).logprobs;
}

/** The gain on the 1-5 scale: `low` -> 1, `high` -> 5, linear between, clamped. */
export function calibrate(gain: number, c: FitCalibration): number {
  const t = (gain - c.low) / (c.high - c.low);
  return 1 + 4 * Math.min(1, Math.max(0, t));
}
