/**
 * `humpback backtranslate` and `humpback score` offline (JSON lines in and out, no broker) as child
 * processes: against the fake OpenAI-compatible server through HUMPBACK_LLM_BASE_URL here, and against
 * the real embedded model in llmEmbeddedStages.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CandidateRecord, ScoredCandidateRecord, SegmentRecord } from '../../src/records/types';
import { contentKey } from '../../src/stages/contentKey';
import { runCli } from '../helpers/cli';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { sampleSegment } from '../helpers/sampleRecords';

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({
    respond: (req) => {
      const n = Number(/\[seg (\d+)\]/.exec(req.prompt)?.[1] ?? -1);
      if (req.prompt.includes('5-point scale')) return n === 3 ? 'I cannot decide.' : `Reasoning.\nScore: ${5 - (n % 5)}`;
      return n === 2 ? '' : `What is segment ${n} about?`;
    },
  });
});
afterAll(() => server.close());

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

it('backtranslate then score over JSON lines with an OpenAI-compatible server, then the process exits', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-cli-'));
  const segments: SegmentRecord[] = Array.from({ length: 5 }, (_, i) => sampleSegment({ segment_id: contentKey('cli', i), text: `Whales, part ${i}. [seg ${i}]` }));
  fs.writeFileSync(path.join(dir, 'segments.jsonl'), segments.map((s) => JSON.stringify(s)).join('\n') + '\n');
  const env = { HUMPBACK_LLM_BASE_URL: server.url, HUMPBACK_LLM_MODEL: 'fake-model', HUMPBACK_LOG_LEVEL: 'warn' };

  const bt = await runCli(['backtranslate', path.join(dir, 'segments.jsonl')], env);
  expect(bt.stderr).toContain('backtranslate: read 5, wrote 4, failed 0, filtered instruction.empty=1');
  expect(bt.code).toBe(0);
  const candidates = lines(bt.stdout).map((l) => JSON.parse(l) as CandidateRecord);
  expect(candidates.map((c) => c.instruction)).toEqual(['What is segment 0 about?', 'What is segment 1 about?', 'What is segment 3 about?', 'What is segment 4 about?']);
  expect(candidates.every((c) => c.model === 'fake-model' && c.temperature === 0.7 && c.top_p === 0.9)).toBe(true);
  fs.writeFileSync(path.join(dir, 'candidates.jsonl'), bt.stdout);

  const sc = await runCli(['score', path.join(dir, 'candidates.jsonl')], env);
  // Segment 3's scorer never writes a Score line: counted, and the process exits 2.
  expect(sc.stderr).toContain(`${path.join(dir, 'candidates.jsonl')}:3: score.missing: no usable score after 3 answer(s)`);
  expect(sc.stderr).toContain('score: read 4, wrote 3, failed 1');
  expect(sc.code).toBe(2);
  const scored = lines(sc.stdout).map((l) => JSON.parse(l) as ScoredCandidateRecord);
  expect(scored.map((s) => s.score)).toEqual([5, 4, 1]);
  // 5 instructions, 3 first-time scores and 3 answers for the unparseable one.
  expect(server.requests).toHaveLength(5 + 3 + 3);
});
