/**
 * How chat messages become one prompt for `/v1/completions` (base models, finetuned backward models):
 *
 * - a single user message is sent verbatim (a finetuned backward model takes the answer alone);
 * - otherwise each message becomes a block `System: ...`, `User: ...` or `Assistant: ...`, blocks are
 *   separated by a blank line, and the prompt ends with `Assistant:` so the model writes the reply.
 *   A trailing assistant message is a prefix the model continues. `\n\nUser:` is added as a stop
 *   sequence so a base model does not go on to invent the next turn.
 */
import type { ChatMessage } from './backend';

const LABEL: Record<ChatMessage['role'], string> = { system: 'System', user: 'User', assistant: 'Assistant' };

export const TURN_STOP = '\n\nUser:';

export interface RenderedPrompt {
  prompt: string;
  /** Extra stop sequences the template needs. */
  stop: string[];
}

export function renderCompletionPrompt(messages: readonly ChatMessage[]): RenderedPrompt {
  if (messages.length === 1 && messages[0].role === 'user') return { prompt: messages[0].content, stop: [] };
  const last = messages[messages.length - 1];
  const blocks = messages.map((m) => `${LABEL[m.role]}: ${m.content}`);
  const prompt = last?.role === 'assistant' ? blocks.join('\n\n') : [...blocks, `${LABEL.assistant}:`].join('\n\n');
  return { prompt, stop: [TURN_STOP] };
}
