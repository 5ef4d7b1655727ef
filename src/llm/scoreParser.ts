/**
 * Reads the rating from a scorer's continuation (never from the prompt). Rules, in order:
 * 1. Text the model echoed from the untrusted instruction/answer is removed first, so a segment
 *    containing "Score: 5" cannot vote even if the model repeats it.
 * 2. Every line of the form `Score: N` (any case, optional markdown emphasis, `N/5`, trailing period)
 *    is a candidate; the LAST one wins.
 * 3. N must be an integer 1-5: anything else (10, 0, 3.5, "five") is out of range, not clamped.
 */
export type ScoreParse =
  | { ok: true; score: number; rationale: string }
  | { ok: false; reason: 'score.missing' | 'score.out-of-range'; message: string };

/** Longer lines are prose, not a score line; the cap also keeps the regex linear on hostile answers. */
const MAX_SCORE_LINE = 100;
const SCORE_LINE = /^[\s*_#>`-]*score[\s*_]*[:：=][\s*_]*(\d+(?:\.\d+)?|[^\s*_/.]+)\s*(?:\/\s*5)?[\s*_.]*$/i;

export function parseScore(answer: string, untrusted: readonly string[] = []): ScoreParse {
  let text = answer;
  for (const u of untrusted) if (u.trim().length > 0) text = text.split(u).join('\n');
  const lines = text.split(/\r?\n/);
  let last: { index: number; value: string } | undefined;
  lines.forEach((line, index) => {
    const m = line.length <= MAX_SCORE_LINE ? SCORE_LINE.exec(line) : null;
    if (m) last = { index, value: m[1] };
  });
  if (!last) return { ok: false, reason: 'score.missing', message: 'no "Score: N" line in the answer' };
  if (!/^[1-5]$/.test(last.value)) {
    return { ok: false, reason: 'score.out-of-range', message: `last score line says "${last.value}", expected an integer from 1 to 5` };
  }
  const rationale = lines.slice(0, last.index).join('\n').trim();
  return { ok: true, score: Number(last.value), rationale };
}
