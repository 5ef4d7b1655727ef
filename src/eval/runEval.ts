/**
 * `humpback eval`: the quality of the data a model makes, measured the way the pipeline makes it
 * (the topology's own backtranslate and score settings, the same code). Backward model: instruction
 * recovery on held-out pairs. Scorer: per mode, shuffled-pair AUC and tier-5 precision / recall /
 * Spearman on a labelled file. A mode the backend cannot serve is reported as such, not fatal.
 */
import os from 'node:os';
import path from 'node:path';
import type { LlmBackend } from '../llm/backend';
import { createBackend } from '../llm/createBackend';
import { retryingBackend } from '../llm/retryingBackend';
import { DEFAULT_RETRY_POLICY } from '../core/retryPolicy';
import { withEmbeddedModel, type EmbeddedModelChoice } from '../llm/llmConfig';
import { modelOfBackend } from '../llm/models';
import { loadSeedPairs } from '../llm/seedPairs';
import type { ScoreMode } from '../llm/scoring/modes';
import { checkScorerBackend, createScorer } from '../llm/scoring/scorer';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { configSchema as backtranslateSchema, resolveSeedFile, type BacktranslateConfig } from '../stages/backtranslate';
import { modelIdOf } from '../stages/llmStage';
import { configSchema as scoreSchema, type ScoreConfig } from '../stages/score';
import type { Topology } from '../topology/schema';
import { evalBackward, holdOut, type BackwardReport } from './backwardEval';
import { readEvalPairs, readLabelledPairs, type EvalPair, type LabelledPair } from './pairsFile';
import { evalScorer, type ScorerReport } from './scorerEval';

export interface EvalOptions {
  topology: Topology;
  /** Embedded model override: a catalogue name or a .gguf path (servers come from HUMPBACK_LLM_BASE_URL). */
  model?: EmbeddedModelChoice;
  modes: ScoreMode[];
  /** Pairs for instruction recovery and the shuffled test; default: the held-out fifth of the seed file. */
  pairsFile?: string;
  labelledFile?: string;
  /** Use only the first N pairs of each set (quick runs). */
  limit?: number;
  backward: boolean;
  logger: Logger;
  progress?: (line: string) => void;
}

export interface EvalReport {
  model: string;
  backend: string;
  date: string;
  machine: string;
  pairsSource: string;
  labelledSource: string | null;
  problems: string[];
  backward: Omit<BackwardReport, 'items'> | null;
  backwardExamples: Array<{ reference: string; generated: string | null }>;
  scorers: Array<ScorerReport | { mode: ScoreMode; unavailable: string }>;
}

function stageConfig<T>(topology: Topology, type: string, parse: (entry: unknown) => T): T {
  return parse(topology.stages.find((s) => s.type === type) ?? {});
}

export async function runEval(o: EvalOptions): Promise<EvalReport> {
  const say = o.progress ?? (() => undefined);
  const bt: BacktranslateConfig = stageConfig(o.topology, 'backtranslate', (e) => backtranslateSchema.parse(e));
  const sc: ScoreConfig = stageConfig(o.topology, 'score', (e) => scoreSchema.parse(e));
  const seedFile = resolveSeedFile(bt.seedFile);
  const { heldOut, pool } = holdOut(loadSeedPairs(seedFile));
  const problems: string[] = [];
  const limit = <T>(xs: T[]): T[] => (o.limit ? xs.slice(0, o.limit) : xs);
  let pairs: EvalPair[] = heldOut;
  if (o.pairsFile) {
    const read = readEvalPairs(o.pairsFile);
    problems.push(...read.problems);
    pairs = read.pairs;
  }
  pairs = limit(pairs);
  let labelled: LabelledPair[] = [];
  if (o.labelledFile) {
    const read = readLabelledPairs(o.labelledFile);
    problems.push(...read.problems);
    labelled = limit(read.pairs);
  }
  problems.forEach((p) => say(`skipped ${p}`));

  // Each call under the engine's retry policy, as a stage would retry its record: one 503 does not end the eval.
  const backend = retryingBackend(await createBackend(withEmbeddedModel(sc.llm, o.model), o.logger), DEFAULT_RETRY_POLICY);
  try {
    const model = modelIdOf(backend.id);
    const concurrency = Math.max(1, o.topology.stages.find((s) => s.type === 'score')?.concurrency ?? 8);
    let backward: BackwardReport | null = null;
    if (o.backward) {
      say(`backward model ${model}: instruction recovery on ${pairs.length} pairs`);
      const btBackend = retryingBackend(await createBackend(withEmbeddedModel(bt.llm, o.model), o.logger), DEFAULT_RETRY_POLICY);
      try {
        backward = await evalBackward({ pairs, seeds: pool, config: bt, backend: btBackend, concurrency, onProgress: tick(say, 'backward') });
      } finally {
        await btBackend.close();
      }
    }
    const scorers: EvalReport['scorers'] = [];
    for (const mode of o.modes) {
      const unavailable = await whyUnavailable(mode, backend);
      if (unavailable) {
        say(`mode ${mode}: not available on ${model} (${unavailable})`);
        scorers.push({ mode, unavailable });
        continue;
      }
      say(`scorer ${model}, mode ${mode}: ${pairs.length} true + ${pairs.length} shuffled pairs, ${labelled.length} labelled pairs`);
      const scorer = createScorer({ ...sc, mode }, backend, modelOfBackend(backend.id)?.scoring.fit);
      scorers.push(await evalScorer({ scorer, backend, shuffledFrom: pairs, labelled, concurrency, onProgress: tick(say, mode) }));
    }
    const { items, ...backwardSummary } = backward ?? { items: [] };
    return {
      model,
      backend: backend.id.replace(/\/\/[^@/]*@/, '//'),
      date: new Date().toISOString(),
      machine: `${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
      pairsSource: o.pairsFile ?? `${path.basename(seedFile)} (every 5th pair, held out of the few-shot pool)`,
      labelledSource: o.labelledFile ?? null,
      problems,
      backward: backward ? (backwardSummary as Omit<BackwardReport, 'items'>) : null,
      backwardExamples: items.slice(0, 8).map((x) => ({ reference: x.reference, generated: x.generated })),
      scorers,
    };
  } finally {
    await backend.close();
  }
}

/** Why a mode cannot run on this backend (the same check the score stage makes at start), or undefined. */
async function whyUnavailable(mode: ScoreMode, backend: LlmBackend): Promise<string | undefined> {
  try {
    if ((mode === 'fit' || mode === 'hybrid') && !backend.continuationLogprobs) return 'needs token probabilities of a given answer: embedded models only';
    await checkScorerBackend(mode, backend);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

/** A progress line at most every 10 s and at the end. */
function tick(say: (line: string) => void, what: string): (done: number, total: number) => void {
  let last = 0;
  const started = Date.now();
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 10_000) return;
    last = now;
    say(`${what}: ${done}/${total} pairs, ${((now - started) / 1000 / done).toFixed(2)} s/pair`);
  };
}
