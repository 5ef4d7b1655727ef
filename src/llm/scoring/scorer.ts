/**
 * Self-curation of one (instruction, answer) pair, in one of five modes (README "Scoring modes"):
 *
 * - `text`: the paper's way. The scorer answers the 5-point rubric freely; its last `Score: N` line
 *   wins. An unparseable answer is sampled again, then the pair is dead-lettered with every answer.
 * - `constrained`: `text`, but on a backend that can constrain decoding (embedded) an answer without
 *   a score line ends with a forced `Score:` and the model's likeliest digit.
 * - `expected`: the probability-weighted score over 1-5 at the score position (the paper's A5 reads
 *   "score >= 4.5"): from the forced digit's probabilities on the embedded model (no rationale: the
 *   score comes first), from `top_logprobs` on servers (after the server's rationale).
 * - `fit`: how much the instruction raises the answer's likelihood (src/llm/scoring/fit.ts), calibrated
 *   onto 1-5. Embedded model only. Sees relevance, not style.
 * - `hybrid`: `fit`, capped by the rubric checks a model is not needed for (src/llm/scoring/rubricChecks.ts).
 *
 * `score` is always an integer 1-5 (for continuous modes: the expected score rounded half up, so
 * tiers on `score` agree with the paper's 4.5 threshold); `expected` and `distribution` are kept when
 * the mode has them.
 */
import type { LlmBackend } from '../backend';
import { parseScore } from '../scoreParser';
import { buildScorePrompt, SCORE_PROMPT_TEXTS, SCORE_PROMPT_VERSION } from '../scorePrompt';
import { promptVersion } from '../promptVersion';
import { ConfigError, PoisonRecordError } from '../../core/errors';
import { ngramShare } from '../../text/overlap';
import { distributionAtScore, expectedScore, ratingOf, softmax } from './distribution';
import { calibrate, measureFit, type FitCalibration, type FitConfig } from './fit';
import type { ScoreMode } from './modes';
import { rubricFindings, RUBRIC_CHECKS_VERSION } from './rubricChecks';


export interface ScorerConfig {
  mode: ScoreMode;
  temperature: number;
  topP: number;
  retryTemperature: number;
  maxTokens: number;
  parseRetries: number;
  fit: FitConfig;
}

export interface ScorePair {
  /** Seeds the prompt's fences and the sampling (the candidate id). */
  id: string;
  instruction: string;
  answer: string;
}

export interface ScoreResult {
  score: number;
  expected: number | null;
  distribution: number[] | null;
  rationale: string;
  /** LLM calls it took. */
  attempts: number;
  tokensIn: number;
  tokensOut: number;
}

export interface ScorerHooks {
  /** Every unusable answer (each attempt), by reason. */
  onParseFailure?: (reason: string) => void;
  /** Outputs kept after a repair (an echoed rationale not stored), and rubric findings, by reason. */
  onRepair?: (reason: string) => void;
}

export interface Scorer {
  mode: ScoreMode;
  /** Recorded with every score and part of the scored id: changes when the mode's prompt or rules change. */
  promptVersion: string;
  rate(pair: ScorePair, seed: number, signal?: AbortSignal): Promise<ScoreResult>;
}

/** The score line as a constrained ending: the same `Score: N` the parser reads. */
const SCORE_LINE = { prefix: '\nScore:', choices: [' 1', ' 2', ' 3', ' 4', ' 5'] };
/** A rationale mostly made of the prompt's own sentences is the model echoing it, not reasoning. */
const ECHO_SHARE = 0.5;
/** Alternatives asked of servers per token in `expected` mode (OpenAI's maximum). */
const TOP_LOGPROBS = 20;

export function createScorer(config: ScorerConfig, backend: LlmBackend, calibration: FitCalibration | undefined, hooks: ScorerHooks = {}): Scorer {
  switch (config.mode) {
    case 'text':
    case 'constrained':
      return { mode: config.mode, promptVersion: SCORE_PROMPT_VERSION, rate: (pair, seed, signal) => rateByText(config, backend, hooks, pair, seed, signal) };
    case 'expected':
      return { mode: 'expected', promptVersion: promptVersion(SCORE_PROMPT_VERSION, 'expected'), rate: (pair, seed, signal) => rateByExpectation(config, backend, hooks, pair, seed, signal) };
    case 'fit':
    case 'hybrid': {
      const measurer = backend.continuationLogprobs?.bind(backend);
      if (!measurer) throw new ConfigError(`score mode "${config.mode}" reads the model's token probabilities of a given answer, which only the embedded backend offers: use mode expected (a server that returns logprobs) or text with ${backend.id}`);
      const c = { low: config.fit.low ?? calibration?.low, high: config.fit.high ?? calibration?.high };
      if (c.low === undefined || c.high === undefined || !(c.high > c.low)) {
        throw new ConfigError(`score mode "${config.mode}" needs a calibration for ${backend.id}: set fit.low and fit.high (gains for score 1 and 5; \`humpback eval --labelled\` measures them), with high > low`);
      }
      const cal = { low: c.low, high: c.high };
      const version = promptVersion('fit', config.fit.neutralInstruction, String(config.fit.answerTokens), String(cal.low), String(cal.high), config.mode === 'hybrid' ? RUBRIC_CHECKS_VERSION : '');
      return {
        mode: config.mode,
        promptVersion: version,
        rate: async (pair, _seed, signal) => {
          const fit = await measureFit({ continuationLogprobs: measurer }, { instruction: pair.instruction, answer: pair.answer }, config.fit, signal);
          const fitted = calibrate(fit.gain, cal);
          const findings = config.mode === 'hybrid' ? rubricFindings(pair.instruction, pair.answer) : [];
          findings.forEach((f) => hooks.onRepair?.(f.reason));
          const expected = Math.min(fitted, ...findings.map((f) => f.cap));
          const why = [`fit: the instruction changes the answer's mean token log-probability by ${fit.gain.toFixed(3)} (over ${fit.tokens} tokens), ${fitted.toFixed(2)} on the 1-5 scale`];
          for (const f of findings) why.push(`rubric (${f.reason.replace('rubric.', '')}, at most ${f.cap}): ${f.evidence}`);
          return { score: ratingOf(expected), expected, distribution: null, rationale: why.join('\n'), attempts: 1, tokensIn: fit.tokensIn, tokensOut: 0 };
        },
      };
    }
  }
}

async function rateByText(config: ScorerConfig, backend: LlmBackend, hooks: ScorerHooks, pair: ScorePair, seed: number, signal?: AbortSignal): Promise<ScoreResult> {
  const messages = buildScorePrompt({ instruction: pair.instruction, answer: pair.answer, id: pair.id });
  const untrusted = [pair.instruction, pair.answer];
  const answers: string[] = [];
  const used = { tokensIn: 0, tokensOut: 0 };
  for (let attempt = 1; ; attempt++) {
    const temperature = attempt === 1 ? config.temperature : Math.max(config.temperature, config.retryTemperature);
    const res = await backend.complete({
      messages,
      sampling: { temperature, topP: config.topP, maxTokens: config.maxTokens, seed: (seed + attempt - 1) % 2 ** 31 },
      signal,
      finalChoice: config.mode === 'constrained' ? { ...SCORE_LINE, satisfied: (text) => parseScore(text, untrusted).ok } : undefined,
    });
    answers.push(res.text);
    used.tokensIn += res.tokensIn;
    used.tokensOut += res.tokensOut;
    const parsed = parseScore(res.text, untrusted);
    if (parsed.ok) return { score: parsed.score, expected: null, distribution: null, rationale: keptRationale(parsed.rationale, hooks), attempts: attempt, ...used };
    hooks.onParseFailure?.(parsed.reason);
    if (attempt > config.parseRetries) throw new PoisonRecordError(parsed.reason, `no usable score after ${attempt} answer(s): ${parsed.message}`, { detail: rawAnswers(answers) });
  }
}

async function rateByExpectation(config: ScorerConfig, backend: LlmBackend, hooks: ScorerHooks, pair: ScorePair, seed: number, signal?: AbortSignal): Promise<ScoreResult> {
  const messages = buildScorePrompt({ instruction: pair.instruction, answer: pair.answer, id: pair.id });
  if (backend.constrains) {
    // The score first: the forced digit's probabilities over the whole vocabulary.
    const res = await backend.complete({ messages, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed }, signal, finalChoice: { prefix: 'Score:', choices: SCORE_LINE.choices, satisfied: () => false } });
    if (!res.choice) throw new ConfigError(`score mode "expected": ${backend.id} could not force the score digit (the digits 1-5 are not single tokens after "Score:" for this model): use mode fit or text`);
    return fromDistribution(softmax(res.choice.logprobs), '', 1, res);
  }
  const answers: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const temperature = attempt === 1 ? config.temperature : Math.max(config.temperature, config.retryTemperature);
    const res = await backend.complete({ messages, sampling: { temperature, topP: config.topP, maxTokens: config.maxTokens, seed: (seed + attempt - 1) % 2 ** 31 }, signal, logprobs: TOP_LOGPROBS });
    answers.push(res.text);
    if (!res.logprobs) throw new ConfigError(`score mode "expected" needs token log-probabilities, and ${backend.id} returned none: use a server that returns logprobs for chat completions (vLLM, llama.cpp server, OpenAI), or mode text`);
    const distribution = distributionAtScore(res.logprobs);
    if (distribution) {
      const parsed = parseScore(res.text, [pair.instruction, pair.answer]);
      return fromDistribution(distribution, keptRationale(parsed.ok ? parsed.rationale : '', hooks), attempt, res);
    }
    hooks.onParseFailure?.('score.missing');
    if (attempt > config.parseRetries) throw new PoisonRecordError('score.missing', `no score digit after "Score:" in ${attempt} answer(s)`, { detail: rawAnswers(answers) });
  }
}

function fromDistribution(distribution: number[], rationale: string, attempts: number, res: { tokensIn: number; tokensOut: number }): ScoreResult {
  const expected = expectedScore(distribution);
  return { score: ratingOf(expected), expected, distribution, rationale, attempts, tokensIn: res.tokensIn, tokensOut: res.tokensOut };
}

/** A rationale that echoes the prompt is stored as nothing (and counted), not as the echo. */
function keptRationale(rationale: string, hooks: ScorerHooks): string {
  if (rationale === '' || ngramShare(rationale, SCORE_PROMPT_TEXTS.join('\n')) <= ECHO_SHARE) return rationale;
  hooks.onRepair?.('rationale.echo');
  return '';
}

/** Every answer the scorer gave, for the dead letter: what the model said is the evidence. */
function rawAnswers(answers: readonly string[]): string {
  return answers.map((a, i) => `--- answer ${i + 1} of ${answers.length} ---\n${a}`).join('\n');
}


/**
 * Fails at start, not per record, when the backend cannot serve the mode: `expected` on a server
 * needs `top_logprobs` in chat answers, so one tiny request checks that it returns them.
 */
export async function checkScorerBackend(mode: ScoreMode, backend: LlmBackend, signal?: AbortSignal): Promise<void> {
  if (mode !== 'expected' || backend.constrains) return;
  const res = await backend.complete({ messages: [{ role: 'user', content: 'Reply with one digit from 1 to 5.' }], sampling: { temperature: 0, topP: 1, maxTokens: 1 }, logprobs: 5, signal });
  if (!res.logprobs?.some((t) => t.top.length > 0)) {
    throw new ConfigError(
      `score mode "expected" needs token log-probabilities (logprobs with top_logprobs in chat completions), and ${backend.id} returned none: use a server that returns them (vLLM, llama.cpp server, OpenAI), or set the score stage's mode to text`,
    );
  }
}
