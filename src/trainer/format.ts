import type { ExampleSource } from '../records/types';

/**
 * Training lines. Every example carries the paper's source tag as its system message (METHOD.md
 * "Training data tags"): the model learns to tell web-derived answers from assistant-style ones, and
 * both tags together worked best at inference. The tags live here once each: a peer reproduction
 * swapped them by mistake for months, so test/unit/trainerFormat.test.ts pins the exact strings.
 */
export const AUGMENTED_TAG = 'Answer with knowledge from web search.';
export const SEED_TAG = 'Answer in the style of an AI Assistant.';

export type SnapshotFormat = 'chat' | 'alpaca';

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

export interface ChatLine {
  messages: [{ role: 'system'; content: string }, { role: 'user'; content: string }, { role: 'assistant'; content: string }];
}

/** Alpaca-style; `input` is empty because an instruction already holds its whole context. */
export interface AlpacaLine {
  instruction: string;
  input: '';
  output: string;
  system: string;
}

export function chatLine(example: TrainingExample): ChatLine {
  return {
    messages: [
      { role: 'system', content: tagFor(example.source) },
      { role: 'user', content: example.instruction },
      { role: 'assistant', content: example.output },
    ],
  };
}

export function alpacaLine(example: TrainingExample): AlpacaLine {
  return { instruction: example.instruction, input: '', output: example.output, system: tagFor(example.source) };
}

/**
 * One JSONL line (no newline). JSON.stringify escapes \n inside strings; U+2028/U+2029 are escaped
 * too, because readers that split with Python's str.splitlines() would cut a record there.
 */
export function formatLine(example: TrainingExample, format: SnapshotFormat): string {
  const json = JSON.stringify(format === 'chat' ? chatLine(example) : alpacaLine(example));
  return json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
