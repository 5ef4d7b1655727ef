/**
 * The fake OpenAI-compatible server (test/helpers/fakeOpenAiServer.ts, a test double) scripted as the
 * trial's LLM: a question for backtranslate prompts, "Score: 5" for scoring prompts (they contain
 * "5-point scale"), HTTP 400 for the `llm-400` poison, never a Score line for the `unscorable` poison.
 * With `faults`, the first attempts of a record's requests fail at seeded random: 5xx, a hang (the
 * client's timeout ends it), a connection reset, or (scoring) a garbage answer. Faults stop after the
 * third request of a record and a stage, so no record runs out of retries: every normal record still
 * ends up curated, and a lost one is the engine's fault.
 */
import { HOSTILE, startFakeOpenAiServer, type FakeAction, type FakeOpenAiServer, type FakeRequest } from '../helpers/fakeOpenAiServer';
import { draw } from './prng';
import { idInText, MARK_400, MARK_UNSCORABLE } from './inputs';

export const isScoring = (req: FakeRequest): boolean => req.prompt.includes('5-point scale');

export const questionFor = (id: string): string => `Question ${id}: what does this passage describe?`;
export const GOOD_SCORE = 'The answer is clear, complete and on topic.\nScore: 5';

export interface FakeLlmStats {
  requests: number;
  injected: Record<string, number>;
}

export interface FakeLlm {
  server: FakeOpenAiServer;
  url: string;
  stats: FakeLlmStats;
  close(): Promise<void>;
}

export async function startFakeLlm(opts: { seed: number; faults: boolean; latencyMs: number }): Promise<FakeLlm> {
  const attempts = new Map<string, number>();
  const garbageGiven = new Set<string>();
  const stats: FakeLlmStats = { requests: 0, injected: {} };
  const inject = (what: string, action: FakeAction): FakeAction => {
    stats.injected[what] = (stats.injected[what] ?? 0) + 1;
    return action;
  };
  const respond = (req: FakeRequest): FakeAction | string => {
    stats.requests += 1;
    const scoring = isScoring(req);
    const stage = scoring ? 'score' : 'backtranslate';
    const id = idInText(req.prompt) ?? 'unknown';
    const n = (attempts.get(`${stage}/${id}`) ?? 0) + 1;
    attempts.set(`${stage}/${id}`, n);
    if (!scoring && req.prompt.includes(MARK_400)) return { kind: 'status', status: 400, body: { error: { message: 'this request was refused (fault suite: llm-400 poison)' } } };
    if (scoring && req.prompt.includes(MARK_UNSCORABLE)) return n % 2 === 1 ? HOSTILE.noScore : HOSTILE.echo(req);
    if (opts.faults && n <= 3) {
      const d = draw(opts.seed, stage, id, n);
      if (d < 0.08) return inject('http-5xx', { kind: 'status', status: [500, 502, 503][Math.floor(d * 1000) % 3] });
      if (d < 0.12) return inject('hang', { kind: 'hang' });
      if (d < 0.18) return inject('reset', { kind: 'reset' });
      if (scoring && d < 0.3 && !garbageGiven.has(id)) {
        garbageGiven.add(id);
        const garbage: Array<FakeAction | string> = [HOSTILE.noScore, HOSTILE.scoreTen, HOSTILE.echo(req), { kind: 'answer', text: null }, { kind: 'noChoices' }, 'Score: five'];
        return inject('garbage', toAction(garbage[Math.floor(d * 1000) % garbage.length]));
      }
    }
    return scoring ? GOOD_SCORE : questionFor(id);
  };
  const server = await startFakeOpenAiServer({ respond, latencyMs: opts.latencyMs });
  return { server, url: server.url, stats, close: () => server.close() };
}

function toAction(a: FakeAction | string): FakeAction {
  return typeof a === 'string' ? { kind: 'answer', text: a } : a;
}
