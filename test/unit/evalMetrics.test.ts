import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { holdOut } from '../../src/eval/backwardEval';
import { Bm25 } from '../../src/eval/bm25';
import { auc, precisionRecall, rougeL, spearman } from '../../src/eval/metrics';
import { readEvalPairs, readLabelledPairs } from '../../src/eval/pairsFile';
import { figuresLine, recordedFigures } from '../../src/eval/recordedEval';
import { evalScorer, shuffledPairs } from '../../src/eval/scorerEval';
import type { LlmBackend } from '../../src/llm/backend';
import type { Scorer } from '../../src/llm/scoring/scorer';
import { ConfigError, PoisonRecordError, RetriableError } from '../../src/core/errors';

describe('eval metrics', () => {
  it('AUC: 1 when every positive beats every negative, 0.5 for no separation, ties count half', () => {
    expect(auc([3, 4, 5], [1, 2])).toBe(1);
    expect(auc([1, 2], [3, 4, 5])).toBe(0);
    expect(auc([2, 2], [2, 2])).toBe(0.5);
    expect(auc([1, 3], [2])).toBe(0.5);
    expect(auc([], [1])).toBeNaN();
  });

  it('Spearman: rank correlation with tied ranks averaged; NaN for a constant side', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9486833, 6);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('precision, recall and F1 of the predicted positives', () => {
    const items = [
      { predicted: true, actual: true },
      { predicted: true, actual: false },
      { predicted: false, actual: true },
      { predicted: false, actual: true },
    ];
    expect(precisionRecall(items)).toEqual({ precision: 0.5, recall: 1 / 3, f1: 0.4, predicted: 2, actual: 3 });
    expect(precisionRecall([{ predicted: false, actual: true }]).precision).toBeNaN(); // nothing predicted: no precision, not 0
  });

  it('ROUGE-L F1 over lowercase words', () => {
    expect(rougeL('How do I sort a list?', 'how do i sort a list')).toBe(1);
    expect(rougeL('How do I sort a list?', 'How can I sort a Python list?')).toBeCloseTo((2 * (5 / 6) * (5 / 7)) / (5 / 6 + 5 / 7), 12);
    expect(rougeL('completely different', 'nothing shared here')).toBe(0);
    expect(rougeL('', 'x')).toBe(0);
  });
});

describe('BM25 on-topic check', () => {
  const answers = ['Boil the eggs for seven minutes for a jammy yolk, then cool them in ice water.', 'A Python list is a mutable sequence; append adds an item at the end.', 'Offside in football: an attacker is offside when nearer to the goal line than the ball and the second-last defender.'];
  const index = new Bm25(answers);
  it('an instruction about its own answer ranks it first; one about another answer does not', () => {
    expect(index.ranksFirst('How long should I boil eggs for a jammy yolk?', 0)).toBe(true);
    expect(index.ranksFirst('How do I add an item to a Python list?', 0)).toBe(false);
    expect(index.ranksFirst('How do I add an item to a Python list?', 1)).toBe(true);
  });
  it('a query sharing no words with any answer is not on-topic', () => {
    expect(index.ranksFirst('What is the capital of Peru?', 2)).toBe(false);
  });
});

describe('eval inputs', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-pairs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a malformed line is named file:line and skipped; the good lines are read', () => {
    const file = path.join(dir, 'labelled.jsonl');
    fs.writeFileSync(
      file,
      [
        '{"instruction":"What is X?","output":"X is a letter.","score":5}',
        '{"instruction":"broken"',
        '',
        '{"instruction":"What is Y?","output":"Y.","score":7}',
        '{"instruction":"What is Z?","output":"Z is the last letter.","score":2,"kind":"half"}',
        '{"output":"no instruction","score":3}',
      ].join('\n'),
    );
    const read = readLabelledPairs(file);
    expect(read.pairs.map((p) => [p.instruction, p.score])).toEqual([
      ['What is X?', 5],
      ['What is Z?', 2],
    ]);
    expect(read.problems).toEqual([`${file}:2: not valid JSON`, expect.stringMatching(new RegExp(`^${file}:4: score: .*5`)), expect.stringMatching(new RegExp(`^${file}:6: instruction: `))]);
  });

  it('a file with nothing usable fails with the first problem and the fix; a missing file names itself', () => {
    const file = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(file, 'not json\n');
    expect(() => readEvalPairs(file)).toThrow(ConfigError);
    expect(() => readEvalPairs(file)).toThrow(`${file}: no usable pairs (1 malformed lines, the first: ${file}:1: not valid JSON). Fix: one {"instruction","output"} object per line`);
    expect(() => readEvalPairs(path.join(dir, 'missing.jsonl'))).toThrow(/missing.jsonl: cannot read \(ENOENT\)/);
  });

  it('holds every fifth seed out of the few-shot pool, and shuffles by a rotation that leaves no pair its own instruction', () => {
    const seeds = Array.from({ length: 12 }, (_, i) => ({ instruction: `q${i}`, output: `a${i}` }));
    const { heldOut, pool } = holdOut(seeds);
    expect(heldOut.map((s) => s.instruction)).toEqual(['q0', 'q5', 'q10']);
    expect(pool).toHaveLength(9);
    expect(pool.some((p) => heldOut.includes(p))).toBe(false);
    const shuffled = shuffledPairs(seeds);
    expect(shuffled.map((p) => p.output)).toEqual(seeds.map((s) => s.output));
    expect(shuffled.every((p, i) => p.instruction !== seeds[i].instruction)).toBe(true);
  });
});

describe('eval scorer: a pair that cannot be measured', () => {
  const pairs = [
    { instruction: 'How do I sort a list?', output: 'Use sorted(xs) for a new list, or xs.sort() in place.' },
    { instruction: 'What is a tuple?', output: 'An immutable sequence: (1, 2, 3).' },
    { instruction: 'How do I read a file?', output: 'open(path) in a with block, then read().' },
  ];
  const scorerThat = (fail: (instruction: string) => Error | undefined): Scorer => ({
    mode: 'text',
    promptVersion: 'test',
    rate: (p) => {
      const err = fail(p.instruction);
      if (err) return Promise.reject(err);
      return Promise.resolve({ score: (p.answer.length % 5) + 1, expected: null, distribution: null, rationale: '', attempts: 1, tokensIn: 10, tokensOut: 2 });
    },
  });
  const run = (scorer: Scorer) => evalScorer({ scorer, backend: {} as unknown as LlmBackend, shuffledFrom: pairs, concurrency: 2 });

  it('a generation past its timeout is counted as llm.failed and the eval goes on', async () => {
    const report = await run(scorerThat((i) => (i === 'What is a tuple?' ? new RetriableError('embedded generation did not finish within 120000 ms') : undefined)));
    expect(report.failures).toEqual({ 'llm.failed': 2 }); // the instruction appears in a true and a shuffled pair
    expect(report.parseRate).toBeCloseTo(4 / 6);
    expect(report.shuffled?.pairs).toBe(3);
  });

  it('an unparseable answer is counted by its reason; a configuration error ends the eval', async () => {
    const unparseable = await run(scorerThat((i) => (i === 'How do I read a file?' ? new PoisonRecordError('score.unparseable', 'no score line') : undefined)));
    expect(unparseable.failures).toEqual({ 'score.unparseable': 2 });
    await expect(run(scorerThat(() => new ConfigError('model file missing. Fix: humpback model fetch')))).rejects.toThrow(/model file missing/);
  });
});

describe('recorded eval figures (bench/results/eval.json)', () => {
  it('merges the runs of one model and prints n/a where a figure had no value (NaN is null in JSON)', () => {
    const base = { backend: 'embedded', machine: 'm', pairsSource: 's', labelledSource: null, problems: [], backwardExamples: [] };
    const scorer = (mode: string, auc: number, precision: number) => ({ mode, promptVersion: 'v', parseRate: 1, secondsPerPair: 1, tokensPerPair: 1, failures: {}, shuffled: { pairs: 35, auc, gap: 1 }, labelled: { pairs: 176, precision, recall: 0.5, f1: 0.5, predicted5: 0, gold5: 42, spearman: 0.5, histogram: {} } });
    const reports = [
      { ...base, model: 'm1', date: '2026-12-04T00:00:00Z', backward: { pairs: 35, kept: 35, dropped: {}, rougeL: 0.234, onTopic: 0.771, referenceOnTopic: 0.771, secondsPerPair: 3, tokensPerPair: 400 }, scorers: [scorer('hybrid', 0.797, 0.5)] },
      { ...base, model: 'm1', date: '2026-12-05T00:00:00Z', backward: null, scorers: [scorer('text', NaN, NaN)] },
    ];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hb-rec-')), 'eval.json');
    fs.writeFileSync(file, JSON.stringify(reports));
    expect(figuresLine(recordedFigures('m1', 'hybrid', file)!)).toBe(
      'instructions on-topic 77% (ROUGE-L 0.23); scorer AUC 0.80 on shuffled pairs; tier-5 precision 0.50 / recall 0.50, Spearman 0.50 on 176 labelled pairs (humpback eval, 2026-12-04)',
    );
    expect(figuresLine(recordedFigures('m1', 'text', file)!)).toMatch(/scorer AUC n\/a on shuffled pairs; tier-5 precision n\/a/);
    expect(recordedFigures('other', 'hybrid', file)).toBeUndefined();
  });
});
