import type { ExampleSource } from '../records/types';

/**
 * Training lines. Every example carries the paper's source tag as its system message (docs/method.md
 * "Training data tags"): the model learns to tell web-derived answers from assistant-style ones, and
 * both tags together worked best at inference. The tags live here once each: a peer reproduction
 * swapped them by mistake for months, so test/unit/trainerFormat.test.ts pins the exact strings.
 */
export const AUGMENTED_TAG = 'Answer with knowledge from web search.';
export const SEED_TAG = 'Answer in the style of an AI Assistant.';

export type SnapshotFormat = 'chat' | 'alpaca';

/**
 * Where the source tag goes: the system turn (the paper's way), or the start of the user turn for
 * chat templates without a system role (older Gemma templates in TRL refuse one).
 */
export type TagPlacement = 'system' | 'user';

/** What a line is made of, whether it came from a curated topic or the seed file. */
export interface TrainingExample {
  source: ExampleSource;
  instruction: string;
  output: string;
}

/** The system tag of an example's source; exhaustive, so a new source cannot silently get a tag. */
export function tagFor(source: ExampleSource): string {
  switch (source) {
    case 'augmented':
      return AUGMENTED_TAG;
    case 'seed':
      return SEED_TAG;
  }
}

type Turn<R extends string> = { role: R; content: string };

export interface ChatLine {
  messages: [Turn<'system'>, Turn<'user'>, Turn<'assistant'>] | [Turn<'user'>, Turn<'assistant'>];
}

/** Alpaca-style; `input` is empty because an instruction already holds its whole context. */
export interface AlpacaLine {
  instruction: string;
  input: '';
  output: string;
  system: string;
}

/** The instruction with the tag before it, a blank line between: for placement `user`. */
function taggedInstruction(example: TrainingExample): string {
  return `${tagFor(example.source)}\n\n${example.instruction}`;
}

export function chatLine(example: TrainingExample, placement: TagPlacement = 'system'): ChatLine {
  const assistant: Turn<'assistant'> = { role: 'assistant', content: example.output };
  if (placement === 'user') return { messages: [{ role: 'user', content: taggedInstruction(example) }, assistant] };
  return { messages: [{ role: 'system', content: tagFor(example.source) }, { role: 'user', content: example.instruction }, assistant] };
}

/** Axolotl's alpaca_w_system reads these four fields; an empty system adds no system prompt. */
export function alpacaLine(example: TrainingExample, placement: TagPlacement = 'system'): AlpacaLine {
  if (placement === 'user') return { instruction: taggedInstruction(example), input: '', output: example.output, system: '' };
  return { instruction: example.instruction, input: '', output: example.output, system: tagFor(example.source) };
}

/**
 * One JSONL line (no newline). JSON.stringify escapes \n inside strings; U+2028/U+2029 are escaped
 * too, because readers that split with Python's str.splitlines() would cut a record there.
 */
export function formatLine(example: TrainingExample, format: SnapshotFormat, placement: TagPlacement = 'system'): string {
  const json = JSON.stringify(format === 'chat' ? chatLine(example, placement) : alpacaLine(example, placement));
  return json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
