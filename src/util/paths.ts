import os from 'node:os';
import path from 'node:path';

/** Where the project caches what it downloads (Kafka jars, models) and keeps local state. */
export function cacheDir(): string {
  return process.env.HUMPBACK_HOME ?? path.join(os.homedir(), '.cache', 'humpback');
}

/** The repository root (dist/util/paths.js and src/util/paths.ts both sit two levels below it). */
export function projectRoot(): string {
  return path.resolve(__dirname, '..', '..');
}
