import { lastValueFrom } from 'rxjs';
import { Registry } from 'prom-client';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { createStageMetrics } from '../../src/metrics/stageMetrics';
import type { CandidateRecord, SegmentRecord } from '../../src/records/types';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../src/core/retryPolicy';
import { stageWork } from '../../src/runtime/stageWork';
import { STAGES } from '../../src/stages/registry';
import { buildStage } from '../../src/topology/builder';
import { parseTopology, resolveTopology, type ResolvedStage } from '../../src/topology/loader';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { stoppableContext } from '../helpers/llmStages';
import { sampleCandidate, sampleSegment } from '../helpers/sampleRecords';

/**
 * The retry budget README "Retries" documents, counted in HTTP requests against an OpenAI-compatible
 * server that always answers 503: with a stage's default `retries` (3), a record gets 1 + 3 = 4
 * attempts, each sending its LLM call once to each endpoint of the pool, then it is dead-lettered.
 * Only the waits are shortened here (the default backoff would wait up to 1 + 2 + 4 s).
 */
const FAST: Omit<RetryPolicy, 'retries'> = { ...DEFAULT_RETRY_POLICY, backoff: { initialMs: 1, maxMs: 1 } };

let servers: FakeOpenAiServer[];
let serde: Serde;
beforeAll(async () => {
  servers = await Promise.all([0, 1].map(() => startFakeOpenAiServer({ respond: () => ({ kind: 'status', status: 503 }) })));
  serde = await createSerde({ env: {} });
});
afterAll(() => Promise.all(servers.map((s) => s.close())));
beforeEach(() => servers.forEach((s) => (s.requests.length = 0)));

/** A stage of the given type as a topology with defaults resolves it (retries included), the LLM at the fake servers. */
function resolved(type: 'backtranslate' | 'score', endpoints: number, options = ''): ResolvedStage {
  const [input, output] = type === 'backtranslate' ? ['humpback.Segment', 'humpback.Candidate'] : ['humpback.Candidate', 'humpback.ScoredCandidate'];
  const urls = servers.slice(0, endpoints).map((s) => `        - { baseUrl: "${s.url}", model: fake }`);
  const text = `version: 1
name: budget
topics:
  - { name: in, schema: ${input} }
  - { name: out, schema: ${output} }
stages:
  - name: llm
    type: ${type}
    input: in
    output: out
${options}    llm:
      endpoints:
${urls.join('\n')}
`;
  return resolveTopology(parseTopology(text, 'budget.yaml')).stages[0];
}

/** One record through the stage's work exactly as the Kafka runner runs it: its outcome and the HTTP requests it cost. */
async function oneRecord(stage: ResolvedStage, value: SegmentRecord | CandidateRecord): Promise<{ outcome: unknown; requests: number }> {
  const c = stoppableContext(stage.name);
  try {
    const def = STAGES.find((d) => d.type === stage.type)!;
    const work = await def.use(async (d) => {
      const { types, project } = await buildStage(d, stage, c.ctx);
      return stageWork({
        stage: stage.name,
        outputTopic: stage.output,
        dlqTopic: stage.dlq,
        decode: (bytes) => serde.decode(types.input, bytes),
        project,
        encode: (out, topic) => serde.encode(types.output, out, topic),
        serde,
        policy: { ...FAST, retries: stage.retries },
        metrics: createStageMetrics(new Registry(), stage.name),
        now: () => 0,
      });
    });
    const type = stage.type === 'backtranslate' ? 'humpback.Segment' : 'humpback.Candidate';
    const bytes = await serde.encode(type, value, stage.input);
    const outcome = await lastValueFrom(work.attempt({ topic: stage.input, partition: 0, offset: '0', key: null, value: bytes }));
    return { outcome, requests: servers.reduce((n, s) => n + s.requests.length, 0) };
  } finally {
    c.stop();
  }
}

describe('the retry budget against a server that always answers 503', () => {
  it('a stage with default retries makes 4 HTTP requests for a record, then dead-letters it', async () => {
    const stage = resolved('backtranslate', 1);
    expect(stage.retries).toBe(3);
    const { outcome, requests } = await oneRecord(stage, sampleSegment());
    expect(outcome).toMatchObject({ ok: false, reason: 'stage.retries-exhausted', attempts: 4 });
    expect(requests).toBe(4);
  });

  it('the scorer: the same budget (one call per attempt in text mode)', async () => {
    const { outcome, requests } = await oneRecord(resolved('score', 1, '    mode: text\n'), sampleCandidate());
    expect(outcome).toMatchObject({ ok: false, reason: 'stage.retries-exhausted', attempts: 4 });
    expect(requests).toBe(4);
  });

  it('`retries` sets it: retries 0 is one request', async () => {
    const { outcome, requests } = await oneRecord(resolved('backtranslate', 1, '    retries: 0\n'), sampleSegment());
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(requests).toBe(1);
  });

  it('a pool of 2 endpoints: each attempt fails over once to the other endpoint, so (1 + retries) x 2 requests', async () => {
    // retries 1: the pool skips an endpoint after 3 failures in a row, which would only add a wait here.
    const { outcome, requests } = await oneRecord(resolved('backtranslate', 2, '    retries: 1\n'), sampleSegment());
    expect(outcome).toMatchObject({ ok: false, reason: 'stage.retries-exhausted', attempts: 2 });
    expect(servers.map((s) => s.requests.length)).toEqual([2, 2]);
    expect(requests).toBe(4);
  });
});
