/**
 * Turns a backward model's raw continuation into an instruction, or a reason to reject it.
 * Small models wrap the answer in quotes, prefix it ("Question:") or chat on after it.
 */
export type CleanedInstruction = { ok: true; instruction: string } | { ok: false; reason: 'instruction.empty' | 'instruction.too-long' | 'instruction.copied'; message: string };

export interface CleanOptions {
  maxChars: number;
  /** Word n-gram overlap with the segment above which the instruction counts as copied. */
  maxCopiedShare: number;
}

const PREFIX = /^(?:\*\*)?(?:question|instruction|user|query|prompt|q)\s*[:：]\s*(?:\*\*)?\s*/i;
const CHATTER = /^(?:sure|certainly|of course|here(?:'s| is)(?: the| a)? (?:most likely )?(?:question|instruction))[^\n:]*[:：.!]\s*/i;
const QUOTES: Array<[string, string]> = [['"', '"'], ['“', '”'], ["'", "'"], ['`', '`'], ['«', '»']];

export function cleanInstruction(raw: string, segment: string, opts: CleanOptions): CleanedInstruction {
  let text = raw.trim().replace(CHATTER, '').trim();
  // The instruction is the first paragraph; what follows a blank line is the model talking on.
  text = text.split(/\n\s*\n/)[0].trim().replace(PREFIX, '').trim();
  for (const [open, close] of QUOTES) {
    if (text.length >= 2 && text.startsWith(open) && text.endsWith(close)) text = text.slice(open.length, -close.length).trim();
  }
  if (text.replace(/[\W_]+/g, '') === '') return { ok: false, reason: 'instruction.empty', message: 'the model wrote no instruction' };
  if (text.length > opts.maxChars) return { ok: false, reason: 'instruction.too-long', message: `instruction of ${text.length} characters exceeds ${opts.maxChars}` };
  const share = copiedShare(text, segment);
  if (share > opts.maxCopiedShare) {
    return { ok: false, reason: 'instruction.copied', message: `${Math.round(share * 100)}% of the instruction's word 4-grams are copied from the segment` };
  }
  return { ok: true, instruction: text };
}

const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Share of the instruction's word 4-grams (or words, when it is shorter) that appear in the segment. */
function copiedShare(instruction: string, segment: string): number {
  const iw = words(instruction);
  const sw = words(segment);
  const n = Math.min(4, iw.length);
  if (n === 0) return 0;
  const grams = (ws: string[]): string[] => ws.slice(0, ws.length - n + 1).map((_, i) => ws.slice(i, i + n).join(' '));
  const segmentGrams = new Set(grams(sw));
  const own = grams(iw);
  return own.filter((g) => segmentGrams.has(g)).length / own.length;
}
