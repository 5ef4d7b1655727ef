/**
 * The one small interface every LLM backend implements: text in, text and token counts out.
 * Stages depend on this only, so the scorer stays pluggable (docs/method.md: better scorers, better data).
 */
export interface SamplingParams {
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Stop sequences; generation ends before any of them. */
  stop?: string[];
  /** Seed for backends that support reproducible sampling. */
  seed?: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  /** Chat messages (chat template applied by the server or the embedded model). */
  messages: ChatMessage[];
  sampling: SamplingParams;
  signal?: AbortSignal;
  /**
   * Constrain how the answer ends, for backends that can (`LlmBackend.constrains`): unless
   * `satisfied(text)`, the backend appends `prefix` and lets the model pick one of `choices` (each
   * one token after the prefix). Others ignore it, and the caller parses the free text as usual.
   */
  finalChoice?: FinalChoice;
  /**
   * Ask for the log-probabilities of each generated token and of its `logprobs` likeliest
   * alternatives (OpenAI's `top_logprobs`, 1-20). Servers that cannot return them answer without
   * `LlmResponse.logprobs`; callers that need them probe first (`probeLogprobs`).
   */
  logprobs?: number;
}

export interface FinalChoice {
  prefix: string;
  choices: readonly string[];
  satisfied: (text: string) => boolean;
}

/** One generated token with its log-probability and its likeliest alternatives (natural log). */
export interface TokenLogprob {
  text: string;
  logprob: number;
  top: Array<{ text: string; logprob: number }>;
}

export interface LlmResponse {
  /** The model's continuation only, never the prompt. */
  text: string;
  tokensIn: number;
  tokensOut: number;
  /** Which model answered (an endpoint may serve a different model than asked). */
  model: string;
  finishReason: 'stop' | 'length' | 'other';
  /** Set when the server reported no usage and tokensIn/tokensOut are estimates (characters/4). */
  tokensEstimated?: boolean;
  /** Per generated token, when the request asked for `logprobs` and the server returned them. */
  logprobs?: TokenLogprob[];
  /**
   * When the backend forced `finalChoice`: the choice it took and the log-probability of every
   * choice at that position (over the whole vocabulary, so they need not sum to 1).
   */
  choice?: { chosen: string; logprobs: number[] };
}

/** Log-probabilities of a given continuation (an answer the model did not write) after messages. */
export interface ContinuationRequest {
  messages: ChatMessage[];
  /** The assistant's text to measure. */
  continuation: string;
  /** Only the first `maxTokens` tokens of the continuation are measured. */
  maxTokens: number;
  signal?: AbortSignal;
}

export interface ContinuationLogprobs {
  /** Natural-log probability of each measured continuation token, in order. */
  logprobs: number[];
  tokensIn: number;
}

export interface LlmBackend {
  /** Stable id recorded with every output (e.g. `openai:http://host:8000/v1#Qwen2.5-7B` or `embedded:gemma-3-270m-q4_k_m`). */
  readonly id: string;
  /** Whether `LlmRequest.finalChoice` is honoured (token-level constrained decoding). */
  readonly constrains: boolean;
  complete(request: LlmRequest): Promise<LlmResponse>;
  /**
   * How likely the model finds a given answer (the `fit` scoring mode). Only backends that can
   * read a text's token probabilities implement it (the embedded model); others leave it out.
   */
  continuationLogprobs?(request: ContinuationRequest): Promise<ContinuationLogprobs>;
  close(): Promise<void>;
}
