import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../core/errors';

/** A human-written (instruction, output) pair: the paper's seed data (samples/seed.jsonl by default). */
export const seedPairSchema = z.object({
  instruction: z.string().min(1),
  output: z.string().min(1),
  source: z.string().optional(),
});
export type SeedPair = z.infer<typeof seedPairSchema>;

/** Loads seed pairs from JSON lines; a bad line fails start-up naming file and line (seed data is small and curated). */
export function loadSeedPairs(file: string): SeedPair[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read seed pairs (${(err as NodeJS.ErrnoException).code ?? String(err)}). Fix: point seedFile at a JSONL file of {"instruction","output"}`, { cause: err });
  }
  const pairs: SeedPair[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ConfigError(`${file}:${i + 1}: not valid JSON. Fix: one {"instruction","output"} object per line`);
    }
    const result = seedPairSchema.safeParse(parsed);
    if (!result.success) throw new ConfigError(`${file}:${i + 1}: a seed pair needs non-empty "instruction" and "output" strings`);
    pairs.push(result.data);
  });
  if (pairs.length === 0) throw new ConfigError(`${file}: no seed pairs. Fix: add {"instruction","output"} lines`);
  return pairs;
}
