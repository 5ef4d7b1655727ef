/**
 * Runs up to N generations at once on the N sequences of one llama.cpp context, in lockstep: every
 * step evaluates one token (or a new prompt) for every busy sequence, all submitted in the same tick
 * and in sequence order, so node-llama-cpp puts them in ONE batch and llama.cpp decodes it as one
 * ubatch. (llama.cpp splits a multi-sequence batch whose sequence ids are not consecutive and
 * increasing into several ubatches; free-running per-sequence loops interleave in arbitrary order
 * and lose most of the batching. Free slots are therefore filled lowest-index first.)
 *
 * Each job stops at end-of-generation, a stop string, its token cap, the context's end, or its
 * deadline (timeoutMs from submission, queueing included; then it fails with a RetriableError):
 * a request cannot run forever.
 * A job may end with a forced choice (`finalChoice`): when its free text does not already satisfy
 * the caller, the prefix tokens are appended and the next token is the model's most likely one among
 * the allowed tokens (e.g. `Score:` then one of the digits 1-5). This is constrained decoding of the
 * last line, not a guess: the model still decides which allowed token follows its own text.
 * The model is behind two small interfaces so this logic is unit-tested without a model.
 */
import { PoisonRecordError, RetriableError } from '../core/errors';

export interface StepSampling {
  temperature: number;
  topP: number;
  seed: number;
}

export interface SequenceSlot {
  /** Forget the previous job's tokens. */
  reset(): Promise<void>;
  /** Evaluate `tokens` (a prompt, or the last sampled token) and sample the next token; null if none. */
  step(tokens: readonly number[], sampling: StepSampling): Promise<number | null>;
  /**
   * Evaluate `tokens` and rate the allowed next tokens: the likeliest one (null if none) and the
   * natural-log probability of each allowed token over the whole vocabulary, in `allowed` order.
   */
  choose(tokens: readonly number[], allowed: readonly number[]): Promise<{ token: number | null; logprobs: number[] }>;
  /**
   * Evaluate `tokens` and return, for every position from `from` on, the natural-log probability
   * of the token that actually follows it (the likelihood of a given continuation).
   */
  measure(tokens: readonly number[], from: number): Promise<number[]>;
}

export interface TokenText {
  isEndOfGeneration(token: number): boolean;
  detokenize(tokens: readonly number[]): string;
}

export interface GenerationJob {
  prompt: readonly number[];
  maxTokens: number;
  stop?: readonly string[];
  temperature: number;
  topP: number;
  seed?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  finalChoice?: TokenChoice;
}

/** A forced last step: `prefix` tokens, then one of `choices`, unless `satisfied` says the free text already suffices. */
export interface TokenChoice {
  prefix: readonly number[];
  choices: readonly number[];
  satisfied(text: string): boolean;
}

export interface GenerationResult {
  text: string;
  tokensIn: number;
  tokensOut: number;
  finishReason: 'stop' | 'length';
  /** Set when the final choice was forced: which choice, and the log-probability of every choice in `choices` order. */
  choice?: { index: number; logprobs: number[] };
}

/** Measure how likely `continuation` is after `prompt` (one step: both evaluated together). */
export interface MeasureJob {
  prompt: readonly number[];
  continuation: readonly number[];
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Running {
  /** A measuring job carries a generation job of 0 tokens (for its deadline and signal) and `measure`. */
  job: GenerationJob;
  /** Set for a measuring job: where the continuation starts in `pending`, and its answer. */
  measure?: { from: number; resolve(logprobs: number[]): void };
  deadline: number;
  out: number[];
  pending: readonly number[];
  fresh: boolean;
  seed: number;
  /** Set once the free text is done and the forced choice is being evaluated. */
  freeText?: string;
  resolve(r: GenerationResult): void;
  reject(e: unknown): void;
}

export class LockstepScheduler {
  private readonly busy: Array<Running | undefined>;
  private readonly queue: Running[] = [];
  private loop?: Promise<void>;
  private closed = false;
  /** Decode steps and tokens per step so far (the batch sizes actually achieved). */
  readonly stats = { steps: 0, sequenceSteps: 0 };

  constructor(
    private readonly slots: readonly SequenceSlot[],
    private readonly text: TokenText,
    private readonly opts: { contextSize: number; now?: () => number },
  ) {
    this.busy = slots.map(() => undefined);
  }

  get load(): number {
    return this.queue.length + this.busy.filter(Boolean).length;
  }

  generate(job: GenerationJob): Promise<GenerationResult> {
    if (this.closed) return Promise.reject(new RetriableError('embedded model is closed'));
    if (job.prompt.length + 1 + choiceReserve(job) > this.opts.contextSize) {
      return Promise.reject(
        new PoisonRecordError('llm.prompt-too-long', `prompt has ${job.prompt.length} tokens but the embedded context holds ${this.opts.contextSize}: raise llm.embedded.contextSize or shorten the input`),
      );
    }
    return new Promise((resolve, reject) => {
      const seed = job.seed ?? Math.floor(Math.random() * 2 ** 31);
      const base = { job, deadline: this.now() + job.timeoutMs, out: [], fresh: true, seed, resolve, reject };
      // No free text asked for: the prompt is followed by the forced choice straight away.
      const choice = job.maxTokens === 0 ? job.finalChoice : undefined;
      this.queue.push(choice ? { ...base, freeText: '', pending: [...job.prompt, ...choice.prefix] } : { ...base, pending: job.prompt });
      this.kick();
    });
  }

  /** The log-probability of each continuation token after the prompt; takes one slot for one step. */
  measure(job: MeasureJob): Promise<number[]> {
    if (this.closed) return Promise.reject(new RetriableError('embedded model is closed'));
    const tokens = job.prompt.length + job.continuation.length;
    if (job.continuation.length === 0 || job.prompt.length === 0) return Promise.resolve([]);
    if (tokens > this.opts.contextSize) {
      return Promise.reject(new PoisonRecordError('llm.prompt-too-long', `prompt and answer have ${tokens} tokens but the embedded context holds ${this.opts.contextSize}: raise llm.embedded.contextSize`));
    }
    return new Promise((resolve, reject) => {
      const carrier: GenerationJob = { prompt: job.prompt, maxTokens: 0, temperature: 0, topP: 1, timeoutMs: job.timeoutMs, signal: job.signal };
      const measure = { from: job.prompt.length, resolve };
      this.queue.push({ job: carrier, measure, deadline: this.now() + job.timeoutMs, out: [], pending: [...job.prompt, ...job.continuation], fresh: true, seed: 0, resolve: () => undefined, reject });
      this.kick();
    });
  }

  /** Starts the loop after the current tick, so requests submitted together start in the same batch. */
  private kick(): void {
    if (this.loop) return;
    this.loop = Promise.resolve()
      .then(() => this.run())
      .finally(() => {
        this.loop = undefined;
        if (this.queue.length > 0) this.kick(); // submitted while the loop was winding down
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.queue.splice(0)) r.reject(new RetriableError('embedded model closed before the request started'));
    await this.loop;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async run(): Promise<void> {
    for (;;) {
      this.admit();
      const active = this.busy.flatMap((r, i) => (r ? [i] : []));
      if (active.length === 0) return;
      // A failed reset leaves the sequence unusable for that job only.
      await Promise.all(
        active
          .filter((i) => this.busy[i]!.fresh)
          .map((i) =>
            this.slots[i].reset().then(
              () => void (this.busy[i]!.fresh = false),
              (e: unknown) => this.finish(i, new RetriableError(`embedded sequence reset failed: ${String(e)}`, { cause: e })),
            ),
          ),
      );
      const stepping = active.filter((i) => this.busy[i] !== undefined);
      this.stats.steps += 1;
      this.stats.sequenceSteps += stepping.length;
      // Submitted in index order within one tick: one batch, one ubatch (see the module comment).
      const results = await Promise.allSettled(stepping.map((i) => this.stepOf(i, this.busy[i]!)));
      stepping.forEach((i, k) => this.advance(i, results[k]));
    }
  }

  /** What slot i does this step: measure a continuation, rate the forced choices, or sample a token. */
  private stepOf(i: number, r: Running): Promise<StepOutcome> {
    const slot = this.slots[i];
    if (r.measure) return slot.measure(r.pending, r.measure.from).then((logprobs) => ({ kind: 'measured', logprobs }));
    const choices = r.freeText === undefined ? undefined : r.job.finalChoice?.choices;
    if (choices) return slot.choose(r.pending, choices).then((c) => ({ kind: 'chosen', ...c }));
    return slot.step(r.pending, this.sampling(r)).then((token) => ({ kind: 'sampled', token }));
  }

  private sampling(r: Running): StepSampling {
    // A fresh seed per step: node-llama-cpp seeds a new sampler on every controlled step.
    return { temperature: r.job.temperature, topP: r.job.topP, seed: (r.seed + r.out.length) % 2 ** 31 };
  }

  /** Fills free slots lowest index first, dropping queued jobs that were aborted or expired. */
  private admit(): void {
    for (let i = 0; i < this.busy.length && this.queue.length > 0; i++) {
      if (this.busy[i]) continue;
      const next = this.queue.shift()!;
      const problem = this.closed ? new RetriableError('embedded model closed') : this.expired(next);
      if (problem) {
        next.reject(problem);
        i -= 1;
      } else this.busy[i] = next;
    }
  }

  private expired(r: Running): Error | undefined {
    if (r.job.signal?.aborted) return Object.assign(new Error('LLM request aborted'), { name: 'AbortError' });
    if (this.now() > r.deadline) return new RetriableError(`embedded generation did not finish within ${r.job.timeoutMs} ms`);
    return undefined;
  }

  private advance(i: number, result: PromiseSettledResult<StepOutcome>): void {
    const r = this.busy[i]!;
    if (result.status === 'rejected') return this.finish(i, new RetriableError(`embedded generation failed: ${String(result.reason)}`, { cause: result.reason }));
    const outcome = result.value;
    if (outcome.kind === 'measured') {
      this.busy[i] = undefined;
      return r.measure!.resolve(outcome.logprobs);
    }
    if (outcome.kind === 'chosen') return this.finishChoice(i, r, outcome.token, outcome.logprobs);
    const token = outcome.token;
    if (token === null || this.text.isEndOfGeneration(token)) return this.endFree(i, r, 'stop', this.text.detokenize(r.out), []);
    r.out.push(token);
    r.pending = [token];
    const text = this.text.detokenize(r.out);
    const cut = firstStop(text, r.job.stop ?? []);
    if (cut !== undefined) return this.endFree(i, r, 'stop', text.slice(0, cut), [token]);
    const reserve = choiceReserve(r.job);
    if (r.out.length + reserve >= r.job.maxTokens || r.job.prompt.length + r.out.length + reserve >= this.opts.contextSize) return this.endFree(i, r, 'length', text, [token]);
    const problem = this.closed ? new RetriableError('embedded model closed') : this.expired(r);
    if (problem) this.finish(i, problem);
  }

  /** The free text is done: finish, or go on to the forced choice after the tokens not yet evaluated. */
  private endFree(i: number, r: Running, finishReason: 'stop' | 'length', text: string, unevaluated: readonly number[]): void {
    const choice = r.job.finalChoice;
    if (!choice || choice.satisfied(text)) return this.finish(i, this.result(r, finishReason, text));
    r.freeText = text;
    r.pending = [...unevaluated, ...choice.prefix];
  }

  private finishChoice(i: number, r: Running, token: number | null, choiceLogprobs: number[]): void {
    const { prefix, choices } = r.job.finalChoice!;
    if (token === null || !choices.includes(token)) return this.finish(i, this.result(r, 'stop', r.freeText));
    const forced = [...prefix, token];
    const text = r.freeText + this.text.detokenize(forced);
    const choice = { index: choices.indexOf(token), logprobs: choiceLogprobs };
    this.finish(i, { text, tokensIn: r.job.prompt.length, tokensOut: r.out.length + forced.length, finishReason: 'stop', choice });
  }

  private result(r: Running, finishReason: 'stop' | 'length', text = this.text.detokenize(r.out)): GenerationResult {
    return { text, tokensIn: r.job.prompt.length, tokensOut: r.out.length, finishReason };
  }

  private finish(i: number, outcome: unknown): void {
    const r = this.busy[i];
    if (!r) return;
    this.busy[i] = undefined;
    if (isResult(outcome)) r.resolve(outcome);
    else r.reject(outcome);
  }
}

type StepOutcome =
  | { kind: 'sampled'; token: number | null }
  | { kind: 'chosen'; token: number | null; logprobs: number[] }
  | { kind: 'measured'; logprobs: number[] };

function isResult(x: unknown): x is GenerationResult {
  return typeof x === 'object' && x !== null && 'finishReason' in x && 'tokensOut' in x;
}

/** Tokens kept free for the forced choice, so it fits within maxTokens and the context. */
function choiceReserve(job: GenerationJob): number {
  return job.finalChoice ? job.finalChoice.prefix.length + 1 : 0;
}

function firstStop(text: string, stops: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const s of stops) {
    const at = s ? text.indexOf(s) : -1;
    if (at >= 0 && (best === undefined || at < best)) best = at;
  }
  return best;
}
