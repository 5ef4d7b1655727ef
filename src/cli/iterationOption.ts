import { ConfigError } from '../core/errors';

/** `--iteration N` of replay, snapshot and trainer: 2 or more (iteration 1 is the topology itself). */
export function parseIteration(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new ConfigError(`--iteration ${value}: expected a whole number of 2 or more (iteration 1 is the topology itself). Fix: e.g. --iteration 2`);
  return n;
}
