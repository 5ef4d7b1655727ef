import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backtranslatePromptVersion, buildBacktranslatePrompt, chooseSeeds } from '../../src/llm/backtranslatePrompt';
import { cleanInstruction } from '../../src/llm/instructionCleaner';
import { BACKTRANSLATE_PROMPT_TEXTS } from '../../src/llm/backtranslatePrompt';
import { loadSeedPairs } from '../../src/llm/seedPairs';

const seeds = loadSeedPairs(path.join(__dirname, '../../samples/seed.jsonl'));

describe('few-shot backward prompt', () => {
  it('shows k seed pairs flipped (answer as the user turn, instruction as the reply), then the segment', () => {
    const examples = chooseSeeds(seeds, 'seg-1', 2, 1500);
    const messages = buildBacktranslatePrompt('few-shot', 'Lists are mutable sequences.', examples);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[1].content).toContain(examples[0].output);
    expect(messages[2].content).toBe(examples[0].instruction);
    expect(messages[5].content).toMatch(/Write the most likely question to which the text below would be a great answer\.\n\nLists are mutable sequences\.$/);
  });

  it('chooses the same seeds for the same segment and different ones across segments', () => {
    expect(chooseSeeds(seeds, 'seg-1', 3, 1500)).toEqual(chooseSeeds(seeds, 'seg-1', 3, 1500));
    const picks = new Set(['a', 'b', 'c', 'd', 'e'].map((id) => chooseSeeds(seeds, id, 3, 1500).map((s) => s.instruction).join('|')));
    expect(picks.size).toBeGreaterThan(1);
    for (const s of chooseSeeds(seeds, 'seg-1', 5, 300)) expect(s.output.length).toBeLessThanOrEqual(300);
  });

  it('finetuned mode sends the answer alone', () => {
    expect(buildBacktranslatePrompt('finetuned', 'text', [])).toEqual([{ role: 'user', content: 'text' }]);
    expect(backtranslatePromptVersion('finetuned', 0)).not.toBe(backtranslatePromptVersion('few-shot', 3));
    expect(backtranslatePromptVersion('few-shot', 3)).not.toBe(backtranslatePromptVersion('few-shot', 2));
  });
});

describe('loadSeedPairs', () => {
  it('reads the bundled seed set', () => {
    expect(seeds.length).toBeGreaterThan(100);
  });
  it('names the file and line of a bad seed pair', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seed-')), 'seed.jsonl');
    fs.writeFileSync(file, '{"instruction":"q","output":"a"}\n{"instruction":"q"}\n');
    expect(() => loadSeedPairs(file)).toThrow(`${file}:2: a seed pair needs non-empty "instruction" and "output" strings`);
  });
});

describe('cleanInstruction', () => {
  const segment = 'Python lists are mutable sequences, typically used to store collections of homogeneous items.';
  const opts = { maxChars: 300, maxCopiedShare: 0.6 };
  it.each([
    ['plain', 'How do Python lists work?', 'How do Python lists work?'],
    ['prefix', 'Question: How do Python lists work?', 'How do Python lists work?'],
    ['bold prefix', '**Instruction:** Explain Python lists.', 'Explain Python lists.'],
    ['quotes', '"What is a Python list?"', 'What is a Python list?'],
    ['curly quotes', '“What is a Python list?”', 'What is a Python list?'],
    ['leading chatter', "Sure! Here's the most likely question: What is a list in Python?", 'What is a list in Python?'],
    ['trailing chatter', 'What is a Python list?\n\nThis question fits because the text defines lists.', 'What is a Python list?'],
  ])('%s', (_name, raw, expected) => {
    expect(cleanInstruction(raw, segment, opts)).toEqual({ ok: true, instruction: expected, repairs: [] });
  });
  it.each([
    ['empty', '   ', 'instruction.empty'],
    ['only quotes', '""', 'instruction.empty'],
    ['overlong', 'Explain '.repeat(60), 'instruction.too-long'],
    ['copied from the segment', 'Python lists are mutable sequences, typically used to store collections', 'instruction.copied'],
  ])('rejects %s', (_name, raw, reason) => {
    expect(cleanInstruction(raw, segment, opts)).toMatchObject({ ok: false, reason });
  });

  describe('hygiene of small models\' output (gemma-3-270m on the sample corpus)', () => {
    it.each([
      ['How do I get documentation on Python?に行使', 'How do I get documentation on Python?'],
      ['How do I specify hexadecimal and octal integers? codebase', 'How do I specify hexadecimal and octal integers?'],
      ['What is the Python interpreter? prochains', 'What is the Python interpreter?'],
      ['How do I get a beta test version of Python? bloodstream', 'How do I get a beta test version of Python?'],
    ])('cuts the stray words after the question: %s', (raw, expected) => {
      expect(cleanInstruction(raw, segment, opts)).toEqual({ ok: true, instruction: expected, repairs: ['instruction.trailing-words'] });
    });

    it.each([
      ['a second sentence', 'What is a list? Give an example.'],
      ['a longer follow-up', 'Why are lists mutable? I want to understand the design decision'],
      ['no question mark', 'Explain Python lists'],
    ])('keeps a question followed by %s', (_name, raw) => {
      expect(cleanInstruction(raw, segment, opts)).toEqual({ ok: true, instruction: raw, repairs: [] });
    });

    it('drops an instruction that is the backtranslation request itself', () => {
      const raw = 'Below is a candidate answer to a question or instruction from a user. Write the most likely question to which the text below would be a great answer.';
      expect(cleanInstruction(raw, segment, { ...opts, promptTexts: BACKTRANSLATE_PROMPT_TEXTS })).toMatchObject({ ok: false, reason: 'instruction.prompt-copy' });
    });

    it('drops an instruction that repeats a few-shot example', () => {
      const example = 'How do I convert a string to a number?';
      expect(cleanInstruction('How do I convert a string to a number?', segment, { ...opts, exampleInstructions: [example] })).toMatchObject({ ok: false, reason: 'instruction.example-copy' });
      expect(cleanInstruction('How do I add an item to a list?', segment, { ...opts, exampleInstructions: [example] })).toMatchObject({ ok: true });
    });
  });
});
