/**
 * The real default embedded model (CPU) through `humpback backtranslate` then `humpback score`,
 * offline, on three sample segments cut by `humpback segment samples/corpus`. node-llama-cpp is
 * ESM-only, so jest cannot load it in-process: everything runs as CLI child processes over dist/.
 * The score stage runs in the model's default mode (hybrid: fit + rubric checks), then in `expected`
 * (the distribution over 1-5 after a forced "Score:").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CandidateRecord, ScoredCandidateRecord } from '../../src/records/types';
import { runCli } from '../helpers/cli';
import { DEFAULT_MODEL } from '../../src/llm/models';
import { ratingOf } from '../../src/llm/scoring/distribution';

const MODEL_ID = DEFAULT_MODEL.fileName.replace(/\.gguf$/, '');

const ROOT = path.resolve(__dirname, '..', '..');
const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');
const summary = (stderr: string, stage: string) => {
  const m = new RegExp(`${stage}: read (\\d+), wrote (\\d+), failed (\\d+)(?:, filtered (.*))?`).exec(stderr);
  if (!m) throw new Error(`no ${stage} summary in:\n${stderr}`);
  const filtered = (m[4] ?? '').split(' ').filter(Boolean).reduce((n, kv) => n + Number(kv.split('=')[1]), 0);
  return { read: Number(m[1]), wrote: Number(m[2]), failed: Number(m[3]), filtered };
};

beforeAll(async () => {
  const fetched = await runCli(['model', 'fetch']);
  if (fetched.code !== 0) throw new Error(`humpback model fetch failed:\n${fetched.stderr}`);
}, 600_000);

it('writes non-empty instructions, then a score for every pair in the default mode and in expected mode', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-stages-'));
  const segmented = await runCli(['segment', path.join(ROOT, 'samples', 'corpus')]);
  expect(segmented.code).toBe(0);
  // The three shortest segments keep the CPU time down.
  const segments = lines(segmented.stdout).sort((a, b) => a.length - b.length).slice(0, 3);
  fs.writeFileSync(path.join(dir, 'segments.jsonl'), segments.join('\n') + '\n');
  // The default topology with a shorter scorer budget: same model, same prompts, fewer tokens.
  const topology = fs
    .readFileSync(path.join(ROOT, 'topologies', 'humpback.yaml'), 'utf8')
    .replace(/parseRetries: \d+/, 'parseRetries: 1')
    .replace(/maxTokens: 256/, 'maxTokens: 64');
  fs.writeFileSync(path.join(dir, 'topology.yaml'), topology);
  const env = { HUMPBACK_LOG_LEVEL: 'warn', HUMPBACK_LLM_BASE_URL: '' };

  const bt = await runCli(['backtranslate', '--topology', path.join(dir, 'topology.yaml'), path.join(dir, 'segments.jsonl')], env);
  expect(bt.code).toBe(0);
  const b = summary(bt.stderr, 'backtranslate');
  expect(b).toMatchObject({ read: 3, failed: 0 });
  expect(b.wrote + b.filtered).toBe(3); // every segment: a candidate or a counted filter reason
  const candidates = lines(bt.stdout).map((l) => JSON.parse(l) as CandidateRecord);
  expect(candidates).toHaveLength(b.wrote);
  expect(candidates.length).toBeGreaterThan(0);
  for (const c of candidates) {
    expect(c.instruction.trim().length).toBeGreaterThan(0);
    expect(c.model).toBe(MODEL_ID);
  }
  fs.writeFileSync(path.join(dir, 'candidates.jsonl'), bt.stdout);

  const sc = await runCli(['score', '--topology', path.join(dir, 'topology.yaml'), path.join(dir, 'candidates.jsonl')], env);
  const s = summary(sc.stderr, 'score');
  expect(s.read).toBe(candidates.length);
  expect(s).toMatchObject({ wrote: candidates.length, failed: 0 });
  expect(sc.code).toBe(0);
  const scored = lines(sc.stdout).map((l) => JSON.parse(l) as ScoredCandidateRecord);
  for (const r of scored) {
    expect(r).toMatchObject({ scorer_model: MODEL_ID, score_mode: DEFAULT_MODEL.scoring.mode, attempts: 1 });
    expect(r.expected_score).toBeGreaterThanOrEqual(1);
    expect(r.expected_score).toBeLessThanOrEqual(5);
    expect(r.score).toBe(ratingOf(r.expected_score!));
    expect(r.rationale).toMatch(/^fit: the instruction changes the answer's mean token log-probability by -?\d/);
  }

  // expected mode: the probabilities of the digits 1-5 right after a forced "Score:".
  fs.writeFileSync(path.join(dir, 'expected.yaml'), topology.replace(/mode: auto/, 'mode: expected'));
  const ex = await runCli(['score', '--topology', path.join(dir, 'expected.yaml'), path.join(dir, 'candidates.jsonl')], env);
  expect(ex.code).toBe(0);
  const expectedScored = lines(ex.stdout).map((l) => JSON.parse(l) as ScoredCandidateRecord);
  expect(expectedScored).toHaveLength(candidates.length);
  for (const r of expectedScored) {
    expect(r.score_mode).toBe('expected');
    expect(r.score_distribution).toHaveLength(5);
    expect(r.score_distribution!.reduce((a, p) => a + p, 0)).toBeCloseTo(1, 6);
    expect(r.expected_score).toBeCloseTo(r.score_distribution!.reduce((a, p, i) => a + p * (i + 1), 0), 9);
    expect(r.score).toBe(ratingOf(r.expected_score!));
  }
  process.stdout.write(`embedded: ${candidates.length}/3 instructions (${candidates.map((c) => JSON.stringify(c.instruction)).join(', ')}); scores ${scored.map((r) => r.expected_score!.toFixed(2)).join(',')}; expected ${expectedScored.map((r) => r.expected_score!.toFixed(2)).join(',')}\n`);
}, 600_000);
