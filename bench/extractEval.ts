/**
 * The main-text evaluation set (../shared/extraction-eval: 990 real pages with human-chosen snippets,
 * see its SOURCE.md) and its authors' metric, for bench/extract.ts. Read from outside the repository
 * at bench time; nothing of it is copied in.
 *
 * Metric (per snippet, whitespace-normalised substring match, summed over all pages): a `with` snippet
 * found is a true positive, missing a false negative; a `without` snippet found is a false positive,
 * absent a true negative.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { z } from 'zod';
import { fnv1a32 } from '../src/text/normalize';
import { repoRoot } from './common';

const itemSchema = z.object({ file: z.string().min(1), with: z.array(z.string()), without: z.array(z.string()) });
const evalDataSchema = z.record(z.string(), itemSchema);

export interface EvalPage {
  url: string;
  /** Absolute path of the gzipped page. */
  file: string;
  html: Buffer;
  with: string[];
  without: string[];
}

/** Which pages: all, or one half of a fixed split by URL hash (develop on `dev`, check on `held-out`). */
export type Split = 'all' | 'dev' | 'held-out';

/** `--eval-dir=DIR`, else $HUMPBACK_EXTRACTION_EVAL, else the repository's sibling `shared/extraction-eval`. */
export function evalDir(argv: readonly string[] = process.argv): string {
  const arg = argv.find((a) => a.startsWith('--eval-dir='))?.slice('--eval-dir='.length);
  return path.resolve(arg ?? process.env.HUMPBACK_EXTRACTION_EVAL ?? path.join(path.dirname(repoRoot()), 'shared', 'extraction-eval'));
}

/** Every page of the set, in URL order, decompressed into memory; a clear error when the set is missing. */
export function loadEvalSet(dir: string): EvalPage[] {
  const json = path.join(dir, 'evaldata.json');
  if (!fs.existsSync(json)) {
    throw new Error(
      `extraction eval set not found: ${json} does not exist. Put the set (evaldata.json + pages/) at ` +
        `../shared/extraction-eval beside the repository, or point --eval-dir=DIR or HUMPBACK_EXTRACTION_EVAL at it.`,
    );
  }
  const data = evalDataSchema.parse(JSON.parse(fs.readFileSync(json, 'utf8')));
  return Object.keys(data)
    .sort()
    .map((url) => {
      const item = data[url];
      const file = path.join(dir, 'pages', `${item.file}.gz`);
      return { url, file, html: zlib.gunzipSync(fs.readFileSync(file)), with: item.with, without: item.without };
    });
}

export function inSplit(page: Pick<EvalPage, 'url'>, split: Split): boolean {
  if (split === 'all') return true;
  return (fnv1a32(page.url) & 1) === (split === 'dev' ? 0 : 1);
}

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Pages whose output is empty (whitespace only). */
  empty: number;
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The page's snippets an output gets wrong: `with` ones it lacks, `without` ones it has. */
export function snippetMisses(page: Pick<EvalPage, 'with' | 'without'>, output: string): { missed: string[]; found: string[]; empty: boolean } {
  const text = norm(output);
  return { missed: page.with.filter((w) => !text.includes(norm(w))), found: page.without.filter((w) => text.includes(norm(w))), empty: text.length === 0 };
}

/** The page's snippet counts for one output. */
export function scorePage(page: Pick<EvalPage, 'with' | 'without'>, output: string): Confusion {
  const { missed, found, empty } = snippetMisses(page, output);
  const tp = page.with.length - missed.length;
  return { tp, fp: found.length, fn: missed.length, tn: page.without.length - found.length, empty: empty ? 1 : 0 };
}

export function addConfusion(a: Confusion, b: Confusion): Confusion {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn, empty: a.empty + b.empty };
}

export const NO_COUNTS: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0, empty: 0 };

export interface Scores {
  precision: number;
  recall: number;
  f: number;
  accuracy: number;
}

export function scores(c: Confusion): Scores {
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    accuracy: ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn),
  };
}
