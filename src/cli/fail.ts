import { ConfigError, HumpbackError } from '../core/errors';

/**
 * Wraps a command action: a known error prints one clear line (what and how to fix) and exits 1;
 * anything else prints its stack, because it is a bug.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof HumpbackError) {
        process.stderr.write(`humpback: ${err.message}\n`);
      } else {
        process.stderr.write(`humpback: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      process.exitCode = 1;
    }
  };
}
