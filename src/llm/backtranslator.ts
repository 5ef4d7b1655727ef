/**
 * One backtranslation: the backward model writes the instruction a segment answers, and the raw
 * continuation is cleaned or rejected (src/llm/instructionCleaner.ts). Shared by the backtranslate
 * stage and `humpback eval`, so the eval measures exactly what the pipeline does.
 */
import type { LlmBackend } from './backend';
import { BACKTRANSLATE_PROMPT_TEXTS, buildBacktranslatePrompt, chooseSeeds, type BacktranslateMode } from './backtranslatePrompt';
import { cleanInstruction, type DropReason, type RepairReason } from './instructionCleaner';
import type { SeedPair } from './seedPairs';

export interface BacktranslatorConfig {
  mode: BacktranslateMode;
  k: number;
  maxSeedChars: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  stop: string[];
  maxInstructionChars: number;
  maxCopiedShare: number;
}

export type Backtranslation =
  | { ok: true; instruction: string; repairs: RepairReason[]; tokensIn: number; tokensOut: number }
  | { ok: false; reason: DropReason | 'instruction.truncated'; tokensIn: number; tokensOut: number };

export type Backtranslator = (segment: { id: string; text: string }, seed: number, signal?: AbortSignal) => Promise<Backtranslation>;

export function createBacktranslator(config: BacktranslatorConfig, backend: LlmBackend, seeds: readonly SeedPair[]): Backtranslator {
  const sampling = { temperature: config.temperature, topP: config.topP, maxTokens: config.maxTokens, stop: config.stop };
  return async (segment, seed, signal) => {
    const examples = config.mode === 'few-shot' ? chooseSeeds(seeds, segment.id, config.k, config.maxSeedChars) : [];
    const res = await backend.complete({ messages: buildBacktranslatePrompt(config.mode, segment.text, examples), sampling: { ...sampling, seed }, signal });
    const used = { tokensIn: res.tokensIn, tokensOut: res.tokensOut };
    // Cut off at maxTokens before the first paragraph ended: whatever we kept is half a sentence.
    if (res.finishReason === 'length' && !/\S\s*\n\s*\n/.test(res.text)) return { ok: false, reason: 'instruction.truncated', ...used };
    const cleaned = cleanInstruction(res.text, segment.text, {
      maxChars: config.maxInstructionChars,
      maxCopiedShare: config.maxCopiedShare,
      promptTexts: BACKTRANSLATE_PROMPT_TEXTS,
      exampleInstructions: examples.map((e) => e.instruction),
    });
    return cleaned.ok ? { ok: true, instruction: cleaned.instruction, repairs: cleaned.repairs, ...used } : { ok: false, reason: cleaned.reason, ...used };
  };
}
