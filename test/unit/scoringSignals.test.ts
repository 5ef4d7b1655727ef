import fs from 'node:fs';
import path from 'node:path';
import { distributionAtScore, expectedScore, ratingOf, softmax } from '../../src/llm/scoring/distribution';
import { calibrate } from '../../src/llm/scoring/fit';
import { rubricFindings } from '../../src/llm/scoring/rubricChecks';
import type { TokenLogprob } from '../../src/llm/backend';

const tok = (text: string, top: Array<[string, number]> = []): TokenLogprob => ({ text, logprob: top[0]?.[1] ?? -0.1, top: top.map(([t, logprob]) => ({ text: t, logprob })) });

describe('expected score', () => {
  it('softmax over the ratings; a rating the model never offered counts 0', () => {
    expect(softmax([Math.log(1), Math.log(3), -Infinity, -Infinity, -Infinity]).map((p) => +p.toFixed(12))).toEqual([0.25, 0.75, 0, 0, 0]);
    expect(softmax([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity])).toEqual([0, 0, 0, 0, 0]);
  });

  it('the mean over 1-5, and its integer rating rounded half up (4.5 is an A5 five)', () => {
    expect(expectedScore([0, 0, 0, 0.5, 0.5])).toBe(4.5);
    expect(ratingOf(4.5)).toBe(5);
    expect(ratingOf(4.4999999999)).toBe(5); // float noise at the threshold
    expect(ratingOf(4.49)).toBe(4);
    expect(ratingOf(0.2)).toBe(1);
  });

  it('reads the distribution at the LAST digit after "Score:", renormalised over the digits 1-5 among the alternatives', () => {
    const tokens = [tok('Score'), tok(':'), tok(' '), tok('2', [['2', Math.log(0.9)]]), tok('\n'), tok('Actually'), tok(' score'), tok(':'), tok(' '), tok('4', [['4', Math.log(0.6)], ['5', Math.log(0.2)], ['four', Math.log(0.1)], ['3', Math.log(0.05)]])];
    const d = distributionAtScore(tokens)!;
    expect(d.map((p) => +p.toFixed(4))).toEqual([0, 0, 0.0588, 0.7059, 0.2353]);
  });

  it('finds no score position in an answer without "Score:" before a digit', () => {
    expect(distributionAtScore([tok('I'), tok(' give'), tok(' it'), tok(' 5')])).toBeUndefined();
    expect(distributionAtScore([tok('Score'), tok(':'), tok(' '), tok('five')])).toBeUndefined();
  });
});

describe('fit calibration', () => {
  it('maps the gain linearly from low (1) to high (5), clamped', () => {
    const c = { low: 0, high: 0.2 };
    expect(calibrate(-0.3, c)).toBe(1);
    expect(calibrate(0.1, c)).toBe(3);
    expect(calibrate(0.15, c)).toBeCloseTo(4, 12);
    expect(calibrate(0.9, c)).toBe(5);
  });
});

describe('rubric checks (hybrid mode)', () => {
  const q = 'How do I make cold brew coffee?';
  const clean = 'Cold brew is coffee steeped in cold water for a long time.\n\n1. Grind 100 g of coffee coarsely.\n2. Stir it into 1 litre of cold water.\n3. Steep for 12 to 18 hours, then strain.';
  const reasons = (instruction: string, answer: string) => rubricFindings(instruction, answer).map((f) => `${f.reason}:${f.cap}`);

  it('finds nothing in a clean, direct answer', () => {
    expect(reasons(q, clean)).toEqual([]);
  });

  it.each([
    ['a numbered list that does not start at 1 (score 1)', '4. Strain the coffee.\n5. Serve over ice.', 'rubric.list-not-from-start:1'],
    ['an opening that repeats the question (score 1)', 'How do I make cold brew coffee? Many people ask this.\nYou steep coffee in cold water.', 'rubric.repeats-question:1'],
    ['newsletter sign-up text (score 1)', `${clean}\n\nSubscribe to our newsletter for weekly recipes!`, 'rubric.navigation-or-promotion:1'],
    ['a related-posts block (score 1)', `${clean}\n\nRelated posts:\n10 best coffee grinders`, 'rubric.navigation-or-promotion:1'],
    ['a cookie banner (score 1)', `We use cookies to improve your experience.\n${clean}`, 'rubric.navigation-or-promotion:1'],
    ['forum voice (score 1)', `Hi all, same problem here.\n${clean}\nThanks in advance!`, 'rubric.forum:1'],
    ['a blog talking about itself (score 3)', `In this post I share my favourite method.\n${clean}`, 'rubric.blog-voice:3'],
    ['a first-person narrator (score 3)', 'I tried cold brew last summer. My first batch was bitter. I steeped it for two days. Then I learned to strain it after 12 hours. My coffee is much better now.', 'rubric.personal-voice:3'],
  ])('caps %s', (_name, answer, finding) => {
    expect(reasons(q, answer)).toContain(finding);
  });

  it('does not take a loop variable i, quoted speech or a requested letter for a narrator', () => {
    expect(reasons('Why does i % j have the sign of j?', 'It is driven by the wish that i % j have the sign of j. If i is negative, i // j rounds down. Then i % j is adjusted. So i equals (i // j) * j + i % j.')).toEqual([]);
    expect(reasons('Write a short thank-you email to my manager.', 'Dear Anna,\n\nI wanted to thank you for your support this year. I learned a lot from you. My work improved because of your feedback. I look forward to next year.\n\nBest, Sam')).toEqual([]);
  });

  it('caps almost none of the human-written seed answers (documentation FAQ)', () => {
    const seeds = fs
      .readFileSync(path.join(__dirname, '..', '..', 'samples', 'seed.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { instruction: string; output: string });
    const capped = seeds.filter((s) => rubricFindings(s.instruction, s.output).length > 0);
    // The two that are capped quote Guido van Rossum in the first person: a personal voice indeed.
    expect(capped.length).toBeLessThanOrEqual(2);
  });
});
