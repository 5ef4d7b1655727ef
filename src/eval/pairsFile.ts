/**
 * Eval inputs: JSON lines of {"instruction", "output"} pairs, with a gold `score` (1-5) in a
 * labelled file. A malformed line is reported as `file:line: problem` and skipped; the eval goes on
 * with the good lines (a typo in line 80 should not cost the other 160 pairs), and fails only when
 * nothing usable is left.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../core/errors';

export const evalPairSchema = z.object({
  instruction: z.string().trim().min(1),
  output: z.string().trim().min(1),
  id: z.string().optional(),
  kind: z.string().optional(),
});
export const labelledPairSchema = evalPairSchema.extend({ score: z.number().int().min(1).max(5) });

export type EvalPair = z.infer<typeof evalPairSchema>;
export type LabelledPair = z.infer<typeof labelledPairSchema>;

export interface ReadPairs<T> {
  pairs: T[];
  /** One `file:line: problem` per skipped line. */
  problems: string[];
}

export const readEvalPairs = (file: string): ReadPairs<EvalPair> => readPairs(file, evalPairSchema, '{"instruction","output"}');
export const readLabelledPairs = (file: string): ReadPairs<LabelledPair> => readPairs(file, labelledPairSchema, '{"instruction","output","score"}');

function readPairs<T>(file: string, schema: z.ZodType<T>, shape: string): ReadPairs<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)}). Fix: give a JSONL file of ${shape} objects`, { cause: err });
  }
  const pairs: T[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      problems.push(`${where}: not valid JSON`);
      return;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) pairs.push(parsed.data);
    else problems.push(`${where}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; ')}`);
  });
  if (pairs.length === 0) throw new ConfigError(`${file}: no usable pairs${problems.length ? ` (${problems.length} malformed lines, the first: ${problems[0]})` : ''}. Fix: one ${shape} object per line`);
  return { pairs, problems };
}
