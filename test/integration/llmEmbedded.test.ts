/**
 * The real embedded model (node-llama-cpp is ESM-only, so jest cannot load it: everything runs in
 * child processes over the built dist/). The model comes from `humpback model fetch`, which reuses the
 * cache (HUMPBACK_HOME) and only downloads on a fresh machine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_MODEL } from '../../src/llm/models';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
/** The id the embedded backend gives the default model: its file name without .gguf. */
const MODEL_ID = DEFAULT_MODEL.fileName.replace(/\.gguf$/, '');

/** Runs `humpback model ...` through the command module, whether or not main.ts registers it yet. */
const BOOT = `const { Command } = require('commander');
const { registerModelCommands } = require(${JSON.stringify(path.join(DIST, 'cli', 'commands', 'model.js'))});
const p = new Command('humpback'); registerModelCommands(p); p.parseAsync(process.argv);`;

function run(args: string[], script = BOOT, timeoutMs = 300_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, 'humpback', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(DIST, 'cli', 'commands', 'model.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does it)');
  const fetched = await run(['model', 'fetch']);
  if (fetched.code !== 0) throw new Error(`humpback model fetch failed:\n${fetched.stderr}`);
}, 600_000);

describe('embedded model (node-llama-cpp, CPU)', () => {
  it('answers a short chat request with non-empty text and exact token counts, within a bounded time', async () => {
    const res = await run(['model', 'try', 'Write one question that this text answers: Python lists are mutable sequences.', '--max-tokens', '24', '--timeout-ms', '60000']);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().length).toBeGreaterThan(0);
    const stats = JSON.parse(res.stderr.trim().split('\n').pop()!) as { model: string; tokensIn: number; tokensOut: number; finishReason: string; seconds: number };
    expect(stats.model).toBe(MODEL_ID);
    expect(stats.tokensIn).toBeGreaterThan(10);
    expect(stats.tokensOut).toBeGreaterThan(0);
    expect(stats.tokensOut).toBeLessThanOrEqual(24); // the cap holds
    expect(stats.seconds).toBeLessThan(60);
  });

  it('generates several requests together on one context (lockstep batches of several sequences)', async () => {
    const modelPath = (await run(['model', 'path'])).stdout.trim();
    const script = `
      const { EmbeddedBackend } = require(${JSON.stringify(path.join(DIST, 'llm', 'embeddedBackend.js'))});
      (async () => {
        const b = await EmbeddedBackend.create({ modelPath: ${JSON.stringify(modelPath)}, sequences: 4, contextSize: 1024, timeoutMs: 60000 });
        const ask = (i) => b.complete({ messages: [{ role: 'user', content: 'Name a fruit. Item ' + i }], sampling: { temperature: 0.7, topP: 0.9, maxTokens: 12, seed: i, stop: ['\\n\\n'] } });
        const res = await Promise.all([0, 1, 2, 3].map(ask));
        console.log(JSON.stringify({ meanBatch: b.meanBatch, res }));
        await b.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const res = await run([], script);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { meanBatch: number; res: Array<{ text: string; tokensOut: number; finishReason: string }> };
    expect(out.res).toHaveLength(4);
    for (const r of out.res) expect(r.tokensOut).toBeLessThanOrEqual(12);
    expect(out.meanBatch).toBeGreaterThan(2);
  });

  it('two stages asking for the same embedded model share one loaded model, and the process exits after both close', async () => {
    const script = `
      const { createBackend, parseLlmConfig } = require(${JSON.stringify(path.join(DIST, 'llm', 'createBackend.js'))});
      const { embeddedUsers } = require(${JSON.stringify(path.join(DIST, 'llm', 'embeddedShared.js'))});
      const { createLogger } = require(${JSON.stringify(path.join(DIST, 'core', 'logger.js'))});
      (async () => {
        const logger = createLogger({}, 'error');
        const config = parseLlmConfig({ timeoutMs: 60000, embedded: { sequences: 4, contextSize: 1024 } });
        const [a, b] = await Promise.all([createBackend(config, logger, { env: {} }), createBackend(config, logger, { env: {} })]);
        const users = embeddedUsers();
        const ask = (backend, i) => backend.complete({ messages: [{ role: 'user', content: 'Say a colour. ' + i }], sampling: { temperature: 0, topP: 1, maxTokens: 6 } });
        const res = await Promise.all([ask(a, 1), ask(b, 2), ask(a, 3), ask(b, 4)]);
        await a.close();
        const afterOne = embeddedUsers();
        await b.close();
        console.log(JSON.stringify({ users, afterOne, afterBoth: embeddedUsers(), ids: [a.id, b.id], out: res.map((r) => r.tokensOut) }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const res = await run([], script, 120_000);
    expect(res.code).toBe(0); // exits by itself: nothing left running after close
    const out = JSON.parse(res.stdout) as { users: number[]; afterOne: number[]; afterBoth: number[]; ids: string[]; out: number[] };
    expect(out.users).toEqual([2]);
    expect(out.afterOne).toEqual([1]);
    expect(out.afterBoth).toEqual([]);
    expect(out.ids).toEqual([`embedded:${MODEL_ID}`, `embedded:${MODEL_ID}`]);
    for (const n of out.out) expect(n).toBeGreaterThan(0);
  });

  it('gives the probabilities of forced choices and of a given answer (the expected and fit scoring modes)', async () => {
    const modelPath = (await run(['model', 'path'])).stdout.trim();
    const script = `
      const { EmbeddedBackend } = require(${JSON.stringify(path.join(DIST, 'llm', 'embeddedBackend.js'))});
      (async () => {
        const b = await EmbeddedBackend.create({ modelPath: ${JSON.stringify(modelPath)}, sequences: 2, contextSize: 1024, timeoutMs: 60000 });
        const choice = { prefix: 'Answer:', choices: [' 1', ' 2', ' 3', ' 4', ' 5'], satisfied: () => false };
        const forced = await b.complete({ messages: [{ role: 'user', content: 'How many legs does a cat have? Answer with one digit.' }], sampling: { temperature: 0, topP: 1, maxTokens: 0 }, finalChoice: choice });
        const answer = 'Python lists are mutable sequences: you can append, insert and remove items.';
        const [fitting, unrelated] = await Promise.all([
          b.continuationLogprobs({ messages: [{ role: 'user', content: 'What are Python lists?' }], continuation: answer, maxTokens: 64 }),
          b.continuationLogprobs({ messages: [{ role: 'user', content: 'How do I bake banana bread?' }], continuation: answer, maxTokens: 64 }),
        ]);
        console.log(JSON.stringify({ forced, fitting, unrelated }));
        await b.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const res = await run([], script, 120_000);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as {
      forced: { text: string; tokensOut: number; choice: { chosen: string; logprobs: number[] } };
      fitting: { logprobs: number[]; tokensIn: number };
      unrelated: { logprobs: number[] };
    };
    // The forced answer is one of the choices, the likeliest of the five; the five are log-probabilities over the whole vocabulary.
    expect(out.forced.text).toMatch(/^Answer: [1-5]$/);
    const lps = out.forced.choice.logprobs;
    expect(lps).toHaveLength(5);
    expect(lps.every((lp) => lp <= 0)).toBe(true);
    expect(lps.reduce((a, lp) => a + Math.exp(lp), 0)).toBeLessThanOrEqual(1 + 1e-6);
    expect(out.forced.choice.chosen).toBe(` ${1 + lps.indexOf(Math.max(...lps))}`);
    expect(out.forced.text.endsWith(out.forced.choice.chosen.trim())).toBe(true);
    // One log-probability per answer token, each a probability; the answer is likelier after the question it answers.
    expect(out.fitting.logprobs.length).toBeGreaterThan(10);
    expect(out.fitting.logprobs).toHaveLength(out.unrelated.logprobs.length);
    expect(out.fitting.logprobs.every((lp) => lp <= 0 && Number.isFinite(lp))).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(out.fitting.logprobs)).toBeGreaterThan(mean(out.unrelated.logprobs));
  });
});
