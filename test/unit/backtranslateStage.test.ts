import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backtranslatePromptVersion } from '../../src/llm/backtranslatePrompt';
import type { SegmentRecord } from '../../src/records/types';
import { ConfigError } from '../../src/core/errors';
import { runRecord } from '../helpers/runRecord';
import { backtranslateStage, candidatePromptVersion, configSchema, resolveSeedFile } from '../../src/stages/backtranslate';
import { contentKey } from '../../src/stages/contentKey';
import { loadSeedPairs } from '../../src/llm/seedPairs';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { fakeLlm, lastUserTurn, stoppableContext } from '../helpers/llmStages';
import { sampleSegment } from '../helpers/sampleRecords';

const TEXT = 'Humpback whales sing long, complex songs. Males repeat themes for hours during the breeding season, and every population shares one song that changes from year to year.';
const segment = (id: string, text = TEXT): SegmentRecord => sampleSegment({ segment_id: contentKey(id), text, char_count: text.length });
const seeds = loadSeedPairs(resolveSeedFile('samples/seed.jsonl'));

let server: FakeOpenAiServer;
let answers: Map<string, string | { text: string; finishReason: string }>;
beforeAll(async () => {
  // Answers by a word of the segment, so concurrent requests get their own.
  server = await startFakeOpenAiServer({
    respond: (req) => {
      const user = lastUserTurn(req.body);
      for (const [marker, answer] of answers) {
        if (user.includes(marker)) return typeof answer === 'string' ? answer : { kind: 'answer', text: answer.text, finishReason: answer.finishReason };
      }
      return 'Why do humpback whales sing?';
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  answers = new Map();
  server.requests.length = 0;
});

async function stage(options: Record<string, unknown> = {}) {
  const c = stoppableContext('backtranslate', 1234);
  const config = configSchema.parse({ llm: fakeLlm(server), ...options });
  const op = await backtranslateStage.create(config, c.ctx);
  return { ...c, config, run: (s: SegmentRecord) => runRecord(op, s, { retries: 0 }) };
}

describe('backtranslate stage', () => {
  it("the answer is the segment's body: the heading line the segmenter puts first is neither shown to the model nor kept in the answer", async () => {
    const s = await stage();
    try {
      const headed = sampleSegment({ segment_id: contentKey('headed'), heading: 'Why do whales sing?', text: `Why do whales sing?\n\n${TEXT}` });
      const outcome = await s.run(headed);
      expect(outcome.ok && outcome.outputs[0].value.output).toBe(TEXT);
      expect(lastUserTurn(server.requests[0].body)).not.toContain('Why do whales sing?');
      expect(lastUserTurn(server.requests[0].body)).toContain(TEXT);
    } finally {
      s.stop();
    }
    const keep = await stage({ answerIncludesHeading: true });
    try {
      const outcome = await keep.run(sampleSegment({ segment_id: contentKey('kept'), heading: 'Why do whales sing?', text: `Why do whales sing?\n\n${TEXT}` }));
      expect(outcome.ok && outcome.outputs[0].value.output).toBe(`Why do whales sing?\n\n${TEXT}`);
      expect(outcome.ok && outcome.outputs[0].value.prompt_version).not.toBe(candidatePromptVersion(configSchema.parse({}), seeds)); // another answer, another version
    } finally {
      keep.stop();
    }
  });

  it('writes a candidate with model, prompt version, sampling, iteration and lineage; the paper sampling goes to the server', async () => {
    const s = await stage();
    try {
      const seg = segment('a');
      const outcome = await s.run(seg);
      const version = candidatePromptVersion(s.config, seeds);
      const key = contentKey(seg.segment_id, 'fake-model', version, 1);
      expect(outcome).toEqual({
        ok: true,
        attempts: 1,
        outputs: [
          {
            key,
            value: {
              candidate_id: key,
              segment_id: seg.segment_id,
              doc_id: seg.doc_id,
              segment_index: seg.segment_index,
              url: seg.url,
              source_file: seg.source_file,
              source_offset: seg.source_offset,
              source_line: seg.source_line,
              instruction: 'Why do humpback whales sing?',
              output: seg.text,
              model: 'fake-model',
              prompt_version: version,
              temperature: 0.7,
              top_p: 0.9,
              iteration: 1,
              created_at: 1234,
            },
          },
        ],
      });
      const [req] = server.requests;
      expect(req.body).toMatchObject({ model: 'fake-model', temperature: 0.7, top_p: 0.9, max_tokens: 96, stop: ['\n'] });
      expect(typeof req.body.seed).toBe('number');
      // System, the default k = 1 flipped seed pair, then the segment.
      const messages = req.body.messages as Array<{ role: string; content: string }>;
      expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
      expect(messages[3].content.endsWith(TEXT)).toBe(true);
      expect(version).not.toBe(backtranslatePromptVersion('few-shot', 1)); // the seed set is part of the version
    } finally {
      s.stop();
    }
  });

  it('cleans the answer and filters unusable instructions by reason, without dead letters', async () => {
    const s = await stage({ maxInstructionChars: 120 });
    try {
      answers.set('[quoted]', 'Question: "What do humpback whales sing about?"');
      answers.set('[blank]', '   ');
      answers.set('[long]', `Explain ${'in great detail '.repeat(12)}the songs.`);
      answers.set('[copied]', 'Humpback whales sing long, complex songs. Males repeat themes for hours');
      answers.set('[cutoff]', { text: 'Describe the whale song and then also the way that the', finishReason: 'length' });
      const texts = ['quoted', 'blank', 'long', 'copied', 'cutoff'].map((m) => `${TEXT} [${m}]`);
      const outcomes = await Promise.all(texts.map((t, i) => s.run(segment(`s${i}`, t))));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const written = outcomes.flatMap((o) => (o.ok ? o.outputs : []));
      expect(written.map((o) => o.value.instruction)).toEqual(['What do humpback whales sing about?']);
      expect(s.filtered).toEqual({ 'instruction.empty': 1, 'instruction.too-long': 1, 'instruction.copied': 1, 'instruction.truncated': 1 });
    } finally {
      s.stop();
    }
  });

  it('never pays twice for one segment: a repeat is counted already-done', async () => {
    const s = await stage();
    try {
      const seg = segment('twice');
      const [first, second] = await Promise.all([s.run(seg), s.run({ ...seg })]);
      const third = await s.run({ ...seg, doc_id: 'another page, same text' });
      expect(server.requests).toHaveLength(1);
      const emitted = [first, second, third].flatMap((o) => (o.ok ? o.outputs : []));
      expect(emitted).toHaveLength(1);
      expect(s.filtered).toEqual({ 'already-done': 2 });
    } finally {
      s.stop();
    }
  });

  it('keys candidates by iteration and model, so a new iteration or backward model writes new ones', async () => {
    const ids = new Set<string>();
    for (const options of [{}, { iteration: 2 }, { llm: fakeLlm(server, 'backward-7b') }]) {
      const s = await stage(options);
      const outcome = await s.run(segment('same'));
      s.stop();
      if (outcome.ok) ids.add(outcome.outputs[0].key);
    }
    expect(ids.size).toBe(3);
    expect(server.requests.map((r) => r.model)).toEqual(['fake-model', 'fake-model', 'backward-7b']);
  });

  it('finetuned mode sends the segment alone and needs no seed file', async () => {
    const s = await stage({ mode: 'finetuned', seedFile: '/nonexistent/seed.jsonl' });
    try {
      const outcome = await s.run(segment('ft'));
      expect(server.requests[0].body.messages).toEqual([{ role: 'user', content: TEXT }]);
      expect(outcome.ok && outcome.outputs[0].value.prompt_version).toBe(candidatePromptVersion(configSchema.parse({ mode: 'finetuned' }), []));
    } finally {
      s.stop();
    }
  });

  it('fails at start-up, naming the file, when the seed file is unreadable', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-'));
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"instruction": "q"}\n');
    await expect(stage({ seedFile: path.join(dir, 'missing.jsonl') })).rejects.toThrow(ConfigError);
    await expect(stage({ seedFile: path.join(dir, 'bad.jsonl') })).rejects.toThrow(`${path.join(dir, 'bad.jsonl')}:1`);
    expect(server.requests).toHaveLength(0);
  });

  it('a server failure is retriable (the runner retries, then dead-letters), never a filtered record', async () => {
    const s = await stage();
    try {
      server.enqueue({ kind: 'status', status: 503 });
      const retried = await runRecord(await backtranslateStage.create(s.config, s.ctx), segment('flaky'), { retries: 1, backoff: { initialMs: 1, maxMs: 1 } });
      expect(retried).toMatchObject({ ok: true, attempts: 2 });
      server.enqueue({ kind: 'status', status: 503 });
      expect(await s.run(segment('down'))).toMatchObject({ ok: false, reason: 'stage.retries-exhausted' });
      expect(s.filtered).toEqual({});
    } finally {
      s.stop();
    }
  });
});
