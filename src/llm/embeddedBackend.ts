/**
 * The embedded backend: a GGUF model run in-process on the CPU by node-llama-cpp (llama.cpp).
 * Prebuilt binaries only (`build: 'never'`): nothing is compiled or downloaded at run time.
 *
 * Layout: `contexts` llama.cpp contexts, each with `sequences` sequences driven in lockstep by a
 * LockstepScheduler (one batch per step); a request goes to the context with the least work.
 * Threads: llama.cpp spins while it waits for its threads, so more threads than free cores is
 * catastrophic (measured: 4 threads on 2 cores, 60 tokens took 146 s instead of 1.1 s). Threads per
 * context default to cores / contexts (contexts capped at the cores), and node-llama-cpp's default
 * (at least 4) is never used.
 *
 * node-llama-cpp is ESM-only: it is loaded with a real dynamic import, kept as such in the
 * CommonJS output (tsconfig module Node16). The chat template is the model's own (resolveChatWrapper).
 */
import os from 'node:os';
import path from 'node:path';
import type { ChatHistoryItem, ChatWrapper, ControlledEvaluateInputItem, Llama, LlamaContext, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { ChatMessage, ContinuationLogprobs, ContinuationRequest, FinalChoice, LlmBackend, LlmRequest, LlmResponse } from './backend';
import { LockstepScheduler, type SequenceSlot, type TokenChoice, type TokenText } from './lockstepScheduler';
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/logger';

// node-llama-cpp is ESM-only: its types come in through an import type with the ESM resolution mode.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports, @typescript-eslint/no-unsafe-assignment -- the only spelling TypeScript accepts for an ESM package's types from CommonJS
type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

export interface EmbeddedBackendOptions {
  modelPath: string;
  /** Sequences per context, generated together in one batch per step. */
  sequences: number;
  /** Token capacity of each sequence (prompt + answer). */
  contextSize: number;
  /** Independent contexts (each with its own threads); default 1. */
  contexts?: number;
  /** Threads per context; default: available cores / contexts. */
  threads?: number;
  timeoutMs: number;
  logger?: Logger;
}

/**
 * One Llama instance per process, shared by every embedded backend: its thread splitter keeps the
 * threads of all contexts within the cores even when two stages generate at the same time.
 */
let sharedLlama: { llama: Promise<Llama>; users: number } | undefined;

async function acquireLlama(nlc: NodeLlamaCpp, cores: number, log?: Logger): Promise<{ llama: Llama; release: () => Promise<void> }> {
  const entry = (sharedLlama ??= {
    users: 0,
    llama: nlc.getLlama({
      gpu: false,
      build: 'never',
      maxThreads: cores,
      logLevel: nlc.LlamaLogLevel.error,
      logger: (level, message) => log?.debug('llama.cpp', { level, message: message.trim() }),
    }),
  });
  entry.users += 1;
  const release = async (): Promise<void> => {
    entry.users -= 1;
    if (entry.users > 0) return;
    if (sharedLlama === entry) sharedLlama = undefined;
    await (await entry.llama).dispose();
  };
  try {
    return { llama: await entry.llama, release };
  } catch (err) {
    await release().catch(() => undefined);
    throw new ConfigError(`cannot start llama.cpp on the CPU (${String(err)}): node-llama-cpp's prebuilt binaries are missing for this platform; reinstall with \`npm ci\``, { cause: err });
  }
}

export async function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  try {
    return await import('node-llama-cpp');
  } catch (err) {
    throw new ConfigError(`cannot load node-llama-cpp (${String(err)}): run \`npm ci\` so its prebuilt CPU binaries are installed`, { cause: err });
  }
}

/** The sequences of one context as scheduler slots: evaluate the given tokens, then sample, choose or measure. */
function sequenceSlots(ctx: LlamaContext, n: number): SequenceSlot[] {
  return Array.from({ length: n }, (): SequenceSlot => {
    const seq = ctx.getSequence();
    /** Evaluates `tokens`, asking for `next` after each position from `from` on. */
    const evaluate = (tokens: readonly number[], from: number, next: (i: number) => NextOptions) =>
      seq.controlledEvaluate(tokens.map((t, i): ControlledEvaluateInputItem => (i >= from ? [t as Token, { generateNext: next(i) }] : (t as Token))));
    return {
      reset: () => seq.clearHistory(),
      step: async (tokens, sampling) => {
        const last = tokens.length - 1;
        return (await evaluate(tokens, last, () => ({ token: true, options: sampling })))[last]?.next.token ?? null;
      },
      choose: async (tokens, allowed) => {
        const last = tokens.length - 1;
        const next = (await evaluate(tokens, last, () => ({ logits: { filter: { tokens: allowed as Token[], includeMax: true } }, totalLogitWeight: true })))[last]?.next;
        const logprobs = allowed.map((t) => logprobOf(next, t));
        const best = logprobs.reduce((b, lp, i) => (lp > logprobs[b] ? i : b), 0);
        return { token: Number.isFinite(logprobs[best]) ? allowed[best] : null, logprobs };
      },
      measure: async (tokens, from) => {
        // The probability of token i+1 is read off position i: the first measured token is at `from`.
        const out = await evaluate(tokens, from - 1, (i) => (i + 1 < tokens.length ? { logits: { filter: { tokens: [tokens[i + 1] as Token], includeMax: true } }, totalLogitWeight: true } : {}));
        return tokens.slice(from).map((t, k) => logprobOf(out[from - 1 + k]?.next, t));
      },
    };
  });
}

type NextOptions = NonNullable<Exclude<ControlledEvaluateInputItem, Token>[1]['generateNext']>;

/**
 * log p(token) from a filtered logits map that includes the maximum logit, and the total weight
 * sum(exp(logit - max)): log p = logit - max - log(total). -Infinity when it was not returned.
 */
function logprobOf(next: { logits?: ReadonlyMap<Token, number>; totalLogitWeight?: number } | undefined, token: number): number {
  const logit = next?.logits?.get(token as Token);
  if (logit === undefined || !next?.totalLogitWeight) return -Infinity;
  let max = -Infinity;
  for (const v of next.logits!.values()) if (v > max) max = v;
  return logit - max - Math.log(next.totalLogitWeight);
}

/**
 * Contexts and threads per context on `cores` cores. Unless threads are given, each context gets
 * cores / contexts threads and at least one core of its own (so contexts are capped at the cores):
 * more threads than cores spin (see Threads above).
 */
export function embeddedLayout(cores: number, opts: { contexts?: number; threads?: number }): { contexts: number; threads: number } {
  const asked = opts.contexts ?? 1;
  if (opts.threads !== undefined) return { contexts: asked, threads: opts.threads };
  const contexts = Math.max(1, Math.min(asked, cores));
  return { contexts, threads: Math.max(1, Math.floor(cores / contexts)) };
}

export class EmbeddedBackend implements LlmBackend {
  readonly id: string;
  readonly constrains = true;
  /** Token form of each final choice asked for so far (a stage asks for the same one every time). */
  private readonly choiceTokens = new Map<string, TokenChoice | null>();

  private constructor(
    private readonly model: LlamaModel,
    private readonly wrapper: ChatWrapper,
    private readonly schedulers: LockstepScheduler[],
    private readonly modelName: string,
    private readonly timeoutMs: number,
    private readonly dispose: () => Promise<void>,
    private readonly logger?: Logger,
  ) {
    this.id = `embedded:${modelName}`;
  }

  static async create(opts: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
    const nlc = await loadNodeLlamaCpp();
    const cores = Math.max(1, os.availableParallelism());
    const log = opts.logger;
    const { contexts, threads } = embeddedLayout(cores, opts);
    if (contexts < (opts.contexts ?? 1)) log?.info('embedded contexts capped at the number of cores', { asked: opts.contexts, contexts, cores });
    const { llama, release } = await acquireLlama(nlc, cores, log);
    const started = Date.now();
    let model: LlamaModel | undefined;
    const ctxs: LlamaContext[] = [];
    try {
      model = await llama.loadModel({ modelPath: opts.modelPath, gpuLayers: 0 }).catch((err: unknown) => {
        throw new ConfigError(`cannot load the GGUF model ${opts.modelPath}: ${String(err)} (check llm.embedded.modelPath, or run \`humpback model fetch --force\`)`, { cause: err });
      });
      const m = model;
      const wrapper = nlc.resolveChatWrapper(m) ?? new nlc.GeneralChatWrapper();
      const text: TokenText = { isEndOfGeneration: (t) => m.isEogToken(t as Token), detokenize: (ts) => m.detokenize(ts as Token[]) };
      const schedulers: LockstepScheduler[] = [];
      for (let k = 0; k < contexts; k++) {
        const ctx = await m.createContext({ sequences: opts.sequences, contextSize: opts.contextSize, threads }).catch((err: unknown) => {
          throw new ConfigError(`cannot create an embedded context (${opts.sequences} sequences x ${opts.contextSize} tokens): ${String(err)} (lower llm.embedded.sequences or contextSize)`, { cause: err });
        });
        ctxs.push(ctx);
        schedulers.push(new LockstepScheduler(sequenceSlots(ctx, opts.sequences), text, { contextSize: ctx.contextSize }));
      }
      const name = path.basename(opts.modelPath).replace(/\.gguf$/i, '');
      log?.info('embedded model loaded', { model: name, ms: Date.now() - started, contexts, sequences: opts.sequences, threads, contextSize: opts.contextSize, chatTemplate: wrapper.wrapperName });
      const dispose = async (): Promise<void> => {
        await Promise.all(schedulers.map((s) => s.close()));
        for (const c of ctxs) await c.dispose();
        await m.dispose();
        await release();
      };
      return new EmbeddedBackend(m, wrapper, schedulers, name, opts.timeoutMs, dispose, log);
    } catch (err) {
      for (const c of ctxs) await c.dispose().catch(() => undefined);
      await model?.dispose().catch(() => undefined);
      await release();
      throw err;
    }
  }

  /** Tokenizes the messages with the model's chat template, ready for the model's answer. */
  promptTokens(messages: readonly ChatMessage[]): Token[] {
    const history: ChatHistoryItem[] = messages.map((m) =>
      m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] },
    );
    if (messages[messages.length - 1]?.role !== 'assistant') history.push({ type: 'model', response: [] });
    return this.wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(this.model.tokenizer);
  }

  /**
   * The choice as tokens: the tokens `prefix + choice` share, then exactly one token per choice.
   * A choice the tokenizer cannot express that way is not constrained (logged once), never guessed.
   */
  private tokenChoice(choice: FinalChoice): TokenChoice | undefined {
    const key = JSON.stringify([choice.prefix, choice.choices]);
    if (!this.choiceTokens.has(key)) {
      const spelled = choice.choices.map((c) => this.model.tokenize(choice.prefix + c));
      const shared = spelled.reduce((n, ts) => {
        let k = 0;
        while (k < n && ts[k] === spelled[0][k]) k++;
        return k;
      }, spelled[0]?.length ?? 0);
      const single = spelled.length > 0 && spelled.every((ts) => ts.length === shared + 1);
      if (!single) this.logger?.warn('final choice not constrained: a choice is not one token after the prefix', { prefix: choice.prefix, choices: choice.choices });
      const value = single ? { prefix: spelled[0].slice(0, shared), choices: spelled.map((ts) => ts[shared]), satisfied: choice.satisfied } : null;
      this.choiceTokens.set(key, value);
    }
    const cached = this.choiceTokens.get(key);
    // `satisfied` is the caller's (the stage's own parser); the tokens are what is cached.
    return cached ? { ...cached, satisfied: choice.satisfied } : undefined;
  }

  /** Sequences generated per decode step so far (1 = no batching happened). */
  get meanBatch(): number {
    const steps = this.schedulers.reduce((n, s) => n + s.stats.steps, 0);
    return steps === 0 ? 0 : this.schedulers.reduce((n, s) => n + s.stats.sequenceSteps, 0) / steps;
  }

  complete(request: LlmRequest): Promise<LlmResponse> {
    return this.completeWithin(request, this.timeoutMs);
  }

  /** `complete` with a caller's own deadline (stages sharing one model may differ). */
  async completeWithin(request: LlmRequest, timeoutMs: number): Promise<LlmResponse> {
    const { sampling } = request;
    const scheduler = this.schedulers.reduce((a, b) => (b.load < a.load ? b : a));
    const res = await scheduler.generate({
      prompt: this.promptTokens(request.messages),
      maxTokens: sampling.maxTokens,
      stop: sampling.stop,
      temperature: sampling.temperature,
      topP: sampling.topP,
      seed: sampling.seed,
      finalChoice: request.finalChoice && this.tokenChoice(request.finalChoice),
      timeoutMs,
      signal: request.signal,
    });
    const { choice, ...rest } = res;
    const forced = choice && request.finalChoice ? { chosen: request.finalChoice.choices[choice.index], logprobs: choice.logprobs } : undefined;
    return { ...rest, model: this.modelName, ...(forced ? { choice: forced } : {}) };
  }

  continuationLogprobs(request: ContinuationRequest): Promise<ContinuationLogprobs> {
    return this.measureWithin(request, this.timeoutMs);
  }

  /** `continuationLogprobs` with a caller's own deadline (stages sharing one model may differ). */
  async measureWithin(request: ContinuationRequest, timeoutMs: number): Promise<ContinuationLogprobs> {
    const prompt = this.promptTokens(request.messages);
    const continuation = this.model.tokenize(request.continuation).slice(0, request.maxTokens);
    const scheduler = this.schedulers.reduce((a, b) => (b.load < a.load ? b : a));
    const logprobs = await scheduler.measure({ prompt, continuation, timeoutMs, signal: request.signal });
    return { logprobs, tokensIn: prompt.length + continuation.length };
  }

  close(): Promise<void> {
    return this.dispose();
  }
}
