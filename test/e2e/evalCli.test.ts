/**
 * `humpback eval` end to end against the fake OpenAI-compatible server (a test double that returns
 * token log-probabilities like vLLM): the backward model and the scorer run the way the pipeline runs
 * them, the tables and the JSON report say what was measured, a malformed input line is named
 * file:line and skipped, and the modes a server cannot serve are reported, not fatal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EvalReport } from '../../src/eval/runEval';
import type { ScorerReport } from '../../src/eval/scorerEval';
import { runCli } from '../helpers/cli';
import { startFakeOpenAiServer, type FakeAction, type FakeOpenAiServer, type FakeRequest } from '../helpers/fakeOpenAiServer';

/** The fake scorer's rule: 5 when the answer mentions the instruction's first word (its topic), else 1. */
function judge(req: FakeRequest): FakeAction | string {
  const messages = (req.body.messages as Array<{ content: string }>) ?? [];
  const user = messages[messages.length - 1]?.content ?? '';
  if (!user.includes('5-point scale')) return 'What does this text explain?'; // a backtranslation request
  const instruction = /<instruction-\w+>\n([\s\S]*?)\n<\/instruction-\w+>/.exec(user)?.[1] ?? '';
  const answer = /<answer-\w+>\n([\s\S]*?)\n<\/answer-\w+>/.exec(user)?.[1] ?? '';
  const topic = instruction.split(/\W+/)[0].toLowerCase();
  const fits = topic !== '' && answer.toLowerCase().includes(topic);
  return { kind: 'answer', text: `Reasoned.\nScore: ${fits ? 5 : 1}`, scoreProbs: fits ? [0, 0, 0, 0.2, 0.8] : [0.9, 0.1, 0, 0, 0] };
}

let server: FakeOpenAiServer;
let dir: string;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ respond: judge, logprobs: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-eval-'));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const jsonl = (rows: unknown[]): string => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

it('measures the backward model and each scoring mode a server can serve, names malformed lines, and writes the report', async () => {
  const pairs = path.join(dir, 'pairs.jsonl');
  fs.writeFileSync(
    pairs,
    jsonl(['alpha', 'bravo', 'charlie', 'delta'].map((t) => ({ instruction: `${t} question?`, output: `This text is about ${t} and nothing else.` }))),
  );
  const labelled = path.join(dir, 'labelled.jsonl');
  fs.writeFileSync(
    labelled,
    jsonl([
      { instruction: 'echo: what is it?', output: 'Echo is a sound.', score: 5 }, // fake rates 5: true positive
      '{"instruction": "broken',
      { instruction: 'foxtrot: how?', output: 'Foxtrot is a dance.', score: 5 }, // rated 5: true positive
      { instruction: 'golf: rules?', output: 'Tennis is played with a racket.', score: 5 }, // rated 1: missed
      { instruction: 'hotel: where?', output: 'A hotel is a place to stay.', score: 7 }, // out of range: skipped
      { instruction: 'india: when?', output: 'India became independent in 1947.', score: 2 }, // rated 5: false positive
      { instruction: 'juliet: who?', output: 'Romeo loves her.', score: 1 }, // rated 1: true negative
    ]),
  );
  const out = path.join(dir, 'report.json');
  const env = { HUMPBACK_LLM_BASE_URL: server.url, HUMPBACK_LLM_MODEL: 'fake-judge', HUMPBACK_LOG_LEVEL: 'warn' };
  const res = await runCli(['eval', '--pairs', pairs, '--labelled', labelled, '--json', out], env);
  expect(res.code).toBe(0);
  expect(res.stderr).toContain(`skipped ${labelled}:2: not valid JSON`);
  expect(res.stderr).toMatch(new RegExp(`skipped ${labelled}:5: score: .*5`));

  const [report] = JSON.parse(fs.readFileSync(out, 'utf8')) as EvalReport[];
  expect(report.model).toBe('fake-judge');
  expect(report.backward).toMatchObject({ pairs: 4, kept: 4, rougeL: expect.any(Number) });
  const byMode = Object.fromEntries(report.scorers.map((s) => [s.mode, s]));
  for (const mode of ['text', 'constrained', 'expected'] as const) {
    const s = byMode[mode] as ScorerReport;
    expect(s.parseRate).toBe(1);
    expect(s.shuffled).toEqual({ pairs: 4, auc: 1, gap: expect.any(Number) });
    // Rated 5: echo, foxtrot, india; gold 5: echo, foxtrot, golf.
    expect(s.labelled).toMatchObject({ pairs: 5, predicted5: 3, gold5: 3 });
    expect(s.labelled!.precision).toBeCloseTo(2 / 3, 9);
    expect(s.labelled!.recall).toBeCloseTo(2 / 3, 9);
  }
  expect((byMode.text as ScorerReport).shuffled!.gap).toBe(4);
  expect((byMode.expected as ScorerReport).shuffled!.gap).toBeCloseTo(4.8 - 1.1, 9); // expected scores 4.8 and 1.1
  for (const mode of ['fit', 'hybrid']) expect(byMode[mode]).toEqual({ mode, unavailable: expect.stringMatching(/embedded models only/) });

  expect(res.stdout).toMatch(/\| backward model \| pairs \| on-topic/);
  expect(res.stdout).toMatch(/\| fake-judge \| expected \| 4\+4 \/ 5 \| 1\.000 \| 3\.70 \| 0\.667 \| 0\.667 \| 0\.667 \| 3\/3 \|/);
  expect(res.stdout).toMatch(/\| fake-judge \| fit \| not available: /);
}, 120_000);

it('a missing labelled file is one clear error naming it', async () => {
  const res = await runCli(['eval', '--labelled', path.join(dir, 'nope.jsonl'), '--no-backward', '--modes', 'text'], { HUMPBACK_LLM_BASE_URL: server.url, HUMPBACK_LLM_MODEL: 'fake-judge' });
  expect(res.code).toBe(1);
  expect(res.stderr.trim()).toMatch(/^humpback: .*nope\.jsonl: cannot read \(ENOENT\)\. Fix: give a JSONL file of \{"instruction","output","score"\} objects$/);
});
