/**
 * Instruction recovery: the backward model writes the instruction for answers whose human-written
 * instruction is known, exactly as the backtranslate stage does (src/llm/backtranslator.ts). Reports
 * how close it comes (ROUGE-L against the reference) and how often it is on-topic without a judge:
 * the generated instruction, used as a BM25 query over all the eval's answers, ranks its own answer
 * first. The reference instructions' own on-topic rate is the ceiling of that measure on this set.
 */
import type { LlmBackend } from '../llm/backend';
import { createBacktranslator, type BacktranslatorConfig } from '../llm/backtranslator';
import type { SeedPair } from '../llm/seedPairs';
import { contentKey } from '../stages/contentKey';
import { seedOf } from '../stages/llmStage';
import { Bm25 } from './bm25';
import { mapConcurrent } from './concurrent';
import { pairFailure } from './pairFailure';
import { mean, rougeL } from './metrics';
import type { EvalPair } from './pairsFile';

export interface BackwardItem {
  reference: string;
  generated: string | null;
  dropped: string | null;
  rougeL: number;
  onTopic: boolean;
}

export interface BackwardReport {
  pairs: number;
  kept: number;
  dropped: Record<string, number>;
  /** Mean ROUGE-L F1 of the kept instructions against their references. */
  rougeL: number;
  /** Share of ALL pairs whose instruction was kept and ranks its own answer first (BM25). */
  onTopic: number;
  /** The same measure for the reference instructions: the ceiling on this set. */
  referenceOnTopic: number;
  secondsPerPair: number;
  tokensPerPair: number;
  items: BackwardItem[];
}

export interface BackwardEvalOptions {
  pairs: readonly EvalPair[];
  /** Few-shot pool: never contains the eval pairs (held out). */
  seeds: readonly SeedPair[];
  config: BacktranslatorConfig;
  backend: LlmBackend;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

/** Every fifth seed pair is held out of the few-shot pool for the eval (deterministic, spread over the file). */
export function holdOut<T>(seeds: readonly T[], every = 5): { heldOut: T[]; pool: T[] } {
  return { heldOut: seeds.filter((_, i) => i % every === 0), pool: seeds.filter((_, i) => i % every !== 0) };
}

export async function evalBackward(o: BackwardEvalOptions): Promise<BackwardReport> {
  const write = createBacktranslator(o.config, o.backend, o.seeds);
  const index = new Bm25(o.pairs.map((p) => p.output));
  let tokens = 0;
  const started = performance.now();
  const items = await mapConcurrent(
    o.pairs,
    o.concurrency,
    async (p, i): Promise<BackwardItem> => {
      const id = contentKey('eval', p.output);
      const r = await write({ id, text: p.output }, seedOf(id)).catch((err: unknown) => {
        const reason = pairFailure(err);
        if (reason === undefined) throw err;
        return { ok: false as const, reason, tokensIn: 0, tokensOut: 0 };
      });
      tokens += r.tokensIn + r.tokensOut;
      if (!r.ok) return { reference: p.instruction, generated: null, dropped: r.reason, rougeL: 0, onTopic: false };
      return { reference: p.instruction, generated: r.instruction, dropped: null, rougeL: rougeL(r.instruction, p.instruction), onTopic: index.ranksFirst(r.instruction, i) };
    },
    (done) => o.onProgress?.(done, o.pairs.length),
  );
  const kept = items.filter((x) => x.generated !== null);
  const dropped: Record<string, number> = {};
  for (const x of items) if (x.dropped) dropped[x.dropped] = (dropped[x.dropped] ?? 0) + 1;
  return {
    pairs: items.length,
    kept: kept.length,
    dropped,
    rougeL: mean(kept.map((x) => x.rougeL)),
    onTopic: items.filter((x) => x.onTopic).length / items.length,
    referenceOnTopic: o.pairs.filter((p, i) => index.ranksFirst(p.instruction, i)).length / o.pairs.length,
    secondsPerPair: (performance.now() - started) / 1000 / items.length,
    tokensPerPair: tokens / items.length,
    items,
  };
}
