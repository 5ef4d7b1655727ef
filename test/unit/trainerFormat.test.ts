import { AUGMENTED_TAG, SEED_TAG, alpacaLine, chatLine, formatLine, tagFor, type TrainingExample } from '../../src/trainer/format';

const augmented: TrainingExample = { source: 'augmented', instruction: 'How do humpback whales sing?', output: 'Male humpbacks sing long, structured songs.\nThey repeat themes.' };
const seed: TrainingExample = { source: 'seed', instruction: 'What is Python?', output: 'Python is a programming language.' };

describe('training data tags (docs/method.md "Training data tags")', () => {
  it('are exactly the paper strings', () => {
    expect(AUGMENTED_TAG).toBe('Answer with knowledge from web search.');
    expect(SEED_TAG).toBe('Answer in the style of an AI Assistant.');
  });

  it('give augmented data the web-search tag and seed data the assistant tag, never swapped', () => {
    expect(tagFor('augmented')).toBe('Answer with knowledge from web search.');
    expect(tagFor('seed')).toBe('Answer in the style of an AI Assistant.');
    expect(tagFor('augmented')).not.toBe(tagFor('seed'));
  });
});

describe('chat lines', () => {
  it.each([
    ['augmented', augmented, AUGMENTED_TAG],
    ['seed', seed, SEED_TAG],
  ])('a %s example is system tag, user instruction, assistant output', (_name, example, tag) => {
    const line = formatLine(example, 'chat');
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line) as { messages: Array<{ role: string; content: string }> };
    expect(Object.keys(parsed)).toEqual(['messages']);
    expect(parsed.messages).toEqual([
      { role: 'system', content: tag },
      { role: 'user', content: example.instruction },
      { role: 'assistant', content: example.output },
    ]);
    expect(JSON.parse(line)).toEqual(chatLine(example));
  });

  it('keeps one record per line whatever the text holds (newlines, U+2028/2029, quotes)', () => {
    const tricky: TrainingExample = { source: 'augmented', instruction: 'a\u2028b "q"', output: 'line1\r\nline2\u2029end\\' };
    const line = formatLine(tricky, 'chat');
    expect(line.split(/\r?\n|\u2028|\u2029/)).toHaveLength(1);
    const parsed = JSON.parse(line) as { messages: Array<{ content: string }> };
    expect(parsed.messages[1].content).toBe(tricky.instruction);
    expect(parsed.messages[2].content).toBe(tricky.output);
  });
});

describe('alpaca lines', () => {
  it.each([
    ['augmented', augmented, AUGMENTED_TAG],
    ['seed', seed, SEED_TAG],
  ])('a %s example has instruction, empty input, output and the system tag', (_name, example, tag) => {
    const parsed = JSON.parse(formatLine(example, 'alpaca')) as Record<string, unknown>;
    expect(parsed).toEqual({ instruction: example.instruction, input: '', output: example.output, system: tag });
    expect(parsed).toEqual(alpacaLine(example));
  });
});

describe('the source tag in the user turn (chat templates without a system role)', () => {
  it('chat: no system turn; the user turn starts with the tag, a blank line, then the instruction', () => {
    expect(JSON.parse(formatLine(augmented, 'chat', 'user'))).toEqual({
      messages: [
        { role: 'user', content: `${AUGMENTED_TAG}\n\n${augmented.instruction}` },
        { role: 'assistant', content: augmented.output },
      ],
    });
    expect(chatLine(seed, 'user').messages[0].content.startsWith(`${SEED_TAG}\n\n`)).toBe(true);
  });

  it('alpaca: the tag leads the instruction and system stays empty (no system prompt in alpaca_w_system)', () => {
    expect(alpacaLine(seed, 'user')).toEqual({ instruction: `${SEED_TAG}\n\n${seed.instruction}`, input: '', output: seed.output, system: '' });
  });
});

describe('the shapes trainers read (README "Finetuning on a snapshot")', () => {
  /** TRL's conversational format and axolotl's chat_template (field_messages: messages): a list of {role, content}. */
  function isConversation(line: unknown, roles: string[]): boolean {
    const messages = (line as { messages?: unknown }).messages;
    return (
      Array.isArray(messages) &&
      messages.every((m: unknown) => typeof m === 'object' && m !== null && Object.keys(m).sort().join() === 'content,role') &&
      messages.map((m: { role: string }) => m.role).join() === roles.join() &&
      messages.every((m: { content: unknown }) => typeof m.content === 'string' && m.content.length > 0)
    );
  }

  it.each([
    ['system', ['system', 'user', 'assistant']],
    ['user', ['user', 'assistant']],
  ] as const)('chat lines with the tag in the %s turn are conversations TRL and axolotl chat_template take', (placement, roles) => {
    for (const example of [augmented, seed]) expect(isConversation(JSON.parse(formatLine(example, 'chat', placement)), [...roles])).toBe(true);
  });

  it("alpaca lines have exactly the fields axolotl's alpaca_w_system reads: instruction, input, output, system", () => {
    for (const placement of ['system', 'user'] as const) {
      const line = JSON.parse(formatLine(augmented, 'alpaca', placement)) as Record<string, unknown>;
      expect(Object.keys(line).sort()).toEqual(['input', 'instruction', 'output', 'system']);
      expect(Object.values(line).every((v) => typeof v === 'string')).toBe(true);
    }
  });
});
