/** Helpers for unit tests of the LLM stages against the fake OpenAI-compatible server. */
import type { StageContext } from '../../src/stages/stage';
import type { FakeOpenAiServer } from './fakeOpenAiServer';
import { testStageContext } from './stageContext';

/** An `llm:` block pointing at the fake server (one request per call: a scripted failure shows at once). */
export function fakeLlm(server: FakeOpenAiServer, model = 'fake-model') {
  return { endpoints: [{ baseUrl: server.url, model, maxConcurrency: 8 }], timeoutMs: 5000 };
}

/** A test stage context whose stop (abort) closes what the stage opened. */
export function stoppableContext(stage: string, now = 1_000): { ctx: StageContext; filtered: Record<string, number>; stop: () => void } {
  const abort = new AbortController();
  const { ctx, filtered } = testStageContext(stage, now);
  return { ctx: { ...ctx, signal: abort.signal }, filtered, stop: () => abort.abort() };
}

/** The last user turn of a chat request the fake server logged. */
export function lastUserTurn(body: Record<string, unknown>): string {
  const messages = (body.messages as Array<{ role: string; content: string }> | undefined) ?? [];
  return [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}
