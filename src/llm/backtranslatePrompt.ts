import crypto from 'node:crypto';
import type { ChatMessage } from './backend';
import { promptVersion } from './promptVersion';
import type { SeedPair } from './seedPairs';

/**
 * The backward model M_yx = p(instruction | output). With an off-the-shelf instruct model it is
 * emulated by a prompt that shows k seed pairs flipped (answer first, then its instruction); a
 * finetuned backward model takes the answer alone (docs/method.md "Backward model").
 */
const SYSTEM = 'You reconstruct what a user asked. Given an answer, you reply with the single most likely question or instruction it answers, and nothing else.';
const ASK = 'Below is a candidate answer to a question or instruction from a user. Write the most likely question to which the text below would be a great answer.';

/** The prompt's own wording: an "instruction" made of it is the model handing the request back. */
export const BACKTRANSLATE_PROMPT_TEXTS: readonly string[] = [SYSTEM, ASK];

export type BacktranslateMode = 'few-shot' | 'finetuned';

export function backtranslatePromptVersion(mode: BacktranslateMode, k: number): string {
  return mode === 'finetuned' ? promptVersion('finetuned') : promptVersion(SYSTEM, ASK, `k=${k}`);
}

const userTurn = (answer: string): string => `${ASK}\n\n${answer}`;

/**
 * k seed pairs chosen deterministically per segment: rank seeds by hash(segment id, seed index)
 * and keep the first k whose answers are short enough, so a replay builds the same prompt.
 */
export function chooseSeeds(seeds: readonly SeedPair[], segmentId: string, k: number, maxSeedChars: number): SeedPair[] {
  const rank = (i: number): string => crypto.createHash('sha256').update(`${segmentId}\u0000${i}`).digest('hex');
  return seeds
    .map((seed, i) => ({ seed, r: rank(i) }))
    .filter(({ seed }) => seed.output.length <= maxSeedChars)
    .sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0))
    .slice(0, k)
    .map(({ seed }) => seed);
}

export function buildBacktranslatePrompt(mode: BacktranslateMode, answer: string, examples: readonly SeedPair[]): ChatMessage[] {
  if (mode === 'finetuned') return [{ role: 'user', content: answer }];
  return [
    { role: 'system', content: SYSTEM },
    ...examples.flatMap((ex): ChatMessage[] => [
      { role: 'user', content: userTurn(ex.output) },
      { role: 'assistant', content: ex.instruction },
    ]),
    { role: 'user', content: userTurn(answer) },
  ];
}
