import { ngramShare, wordsOf } from '../text/overlap';

/**
 * Turns a backward model's raw continuation into an instruction, or a reason to reject it.
 * Small models wrap the answer in quotes, prefix it ("Question:"), chat on after it, let stray
 * words run on after the question mark, or hand back the request itself or a few-shot example.
 * Repairs are reported by reason (`instruction.trailing-words`) so they are counted, like drops.
 */
export type DropReason = 'instruction.empty' | 'instruction.too-long' | 'instruction.copied' | 'instruction.prompt-copy' | 'instruction.example-copy';
export type RepairReason = 'instruction.trailing-words';
export type CleanedInstruction = { ok: true; instruction: string; repairs: RepairReason[] } | { ok: false; reason: DropReason; message: string };

export interface CleanOptions {
  maxChars: number;
  /** Word n-gram overlap with the segment above which the instruction counts as copied. */
  maxCopiedShare: number;
  /** The prompt's own wording (system text, the request): an instruction made of it is no instruction. */
  promptTexts?: readonly string[];
  /** The few-shot examples' instructions shown in the prompt: handing one back is not writing one. */
  exampleInstructions?: readonly string[];
}

const PREFIX = /^(?:\*\*)?(?:question|instruction|user|query|prompt|q)\s*[:：]\s*(?:\*\*)?\s*/i;
const CHATTER = /^(?:sure|certainly|of course|here(?:'s| is)(?: the| a)? (?:most likely )?(?:question|instruction))[^\n:]*[:：.!]\s*/i;
const QUOTES: Array<[string, string]> = [['"', '"'], ['“', '”'], ["'", "'"], ['`', '`'], ['«', '»']];
/** Share of an instruction's word 4-grams found in the prompt's text or in one example above which it is theirs. */
const COPY_SHARE = 0.6;

export function cleanInstruction(raw: string, segment: string, opts: CleanOptions): CleanedInstruction {
  let text = raw.trim().replace(CHATTER, '').trim();
  // The instruction is the first paragraph; what follows a blank line is the model talking on.
  text = text.split(/\n\s*\n/)[0].trim().replace(PREFIX, '').trim();
  for (const [open, close] of QUOTES) {
    if (text.length >= 2 && text.startsWith(open) && text.endsWith(close)) text = text.slice(open.length, -close.length).trim();
  }
  const repairs: RepairReason[] = [];
  const cut = withoutStrayTail(text);
  if (cut !== text) {
    text = cut;
    repairs.push('instruction.trailing-words');
  }
  if (text.replace(/[\W_]+/g, '') === '') return { ok: false, reason: 'instruction.empty', message: 'the model wrote no instruction' };
  if (text.length > opts.maxChars) return { ok: false, reason: 'instruction.too-long', message: `instruction of ${text.length} characters exceeds ${opts.maxChars}` };
  const share = ngramShare(text, segment);
  if (share > opts.maxCopiedShare) {
    return { ok: false, reason: 'instruction.copied', message: `${Math.round(share * 100)}% of the instruction's word 4-grams are copied from the segment` };
  }
  if (ngramShare(text, (opts.promptTexts ?? []).join('\n')) > COPY_SHARE) {
    return { ok: false, reason: 'instruction.prompt-copy', message: 'the instruction repeats the backtranslation prompt itself' };
  }
  const example = (opts.exampleInstructions ?? []).find((e) => ngramShare(text, e) > COPY_SHARE);
  if (example !== undefined) return { ok: false, reason: 'instruction.example-copy', message: `the instruction repeats a few-shot example: ${JSON.stringify(example.slice(0, 80))}` };
  return { ok: true, instruction: text, repairs };
}

/**
 * A question followed by a few stray words ("... on Python?に行使", "... integers? codebase") is
 * the question: what follows the last question mark is dropped when it is at most three words and
 * does not end a sentence, or when it is written in another script than the question.
 */
export function withoutStrayTail(text: string): string {
  const q = Math.max(text.lastIndexOf('?'), text.lastIndexOf('？'));
  if (q < 0 || q === text.length - 1) return text;
  const head = text.slice(0, q + 1);
  const tail = text.slice(q + 1).trim();
  if (tail === '') return head;
  const endsSentence = /[.!?:)"”]$/.test(tail);
  const fewWords = wordsOf(tail).length <= 3 && !endsSentence;
  return fewWords || scriptOf(tail) !== scriptOf(head) ? head : text;
}

/** The writing system of most of a text's letters: Latin, or the first other script seen. */
function scriptOf(text: string): string {
  const letters = text.match(/\p{L}/gu) ?? [];
  const latin = letters.filter((c) => /\p{Script=Latin}/u.test(c)).length;
  return latin * 2 >= letters.length ? 'latin' : 'other';
}
