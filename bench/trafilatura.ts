/**
 * What the benchmarks that compare with trafilatura share: its Python (a venv under the cache with a
 * pinned trafilatura from PyPI, made on first use), pinning this process and its children to one CPU,
 * and the median of timed passes. Not a benchmark itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../src/util/paths';

/** Pinned so numbers from different runs and machines compare (2.3.1 is what the issue measured). */
export const TRAFILATURA_VERSION = '2.3.1';

/** The venv's python with trafilatura TRAFILATURA_VERSION, creating the venv or reinstalling on first use. */
function trafilaturaPython(): string {
  const venv = path.join(cacheDir(), 'bench', 'venv');
  const python = path.join(venv, 'bin', 'python');
  const check = `import trafilatura, sys; sys.exit(trafilatura.__version__ != "${TRAFILATURA_VERSION}")`;
  const works = () => fs.existsSync(python) && spawnSync(python, ['-c', check], { stdio: 'ignore' }).status === 0;
  if (works()) return python;
  process.stderr.write(`bench: installing trafilatura ${TRAFILATURA_VERSION} into ${venv} (first run only)\n`);
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  if (!fs.existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  // lxml >= 5.2 moved lxml.html.clean (used by trafilatura's justext dependency) to lxml_html_clean.
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', `trafilatura==${TRAFILATURA_VERSION}`, 'lxml_html_clean'], { stdio: 'inherit' });
  if (!works()) throw new Error(`trafilatura ${TRAFILATURA_VERSION} does not import in ${venv}; remove the folder and run again`);
  return python;
}

/** Runs `script` in the venv's python with `input` on stdin; its stdout parsed as JSON. */
export function runTrafilatura<T>(script: string, input: string): T {
  const run = spawnSync(trafilaturaPython(), ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`trafilatura bench failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** Pins every thread of this process to CPU 0 (children inherit it); returns the undo, or undefined without taskset. */
export function pinToCpu0(): (() => void) | undefined {
  const show = spawnSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8' });
  const previous = /:\s*(\S+)\s*$/.exec(show.stdout ?? '')?.[1];
  if (show.status !== 0 || previous === undefined) return undefined;
  const set = (cpus: string): boolean => spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' }).status === 0;
  return set('0') ? () => void set(previous) : undefined;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
