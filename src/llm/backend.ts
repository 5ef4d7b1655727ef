/**
 * The one small interface every LLM backend implements: text in, text and token counts out.
 * Stages depend on this only, so the scorer stays pluggable (METHOD.md: better scorers, better data).
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
}

export interface FinalChoice {
  prefix: string;
  choices: readonly string[];
  satisfied(text: string): boolean;
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
}

export interface LlmBackend {
  /** Stable id recorded with every output (e.g. `openai:http://host:8000/v1#Qwen2.5-7B` or `embedded:gemma-3-270m-q4_k_m`). */
  readonly id: string;
  /** Whether `LlmRequest.finalChoice` is honoured (token-level constrained decoding). */
  readonly constrains: boolean;
  complete(request: LlmRequest): Promise<LlmResponse>;
  close(): Promise<void>;
}
