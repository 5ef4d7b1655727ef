import { STAGES, findStage, type RegisteredStage } from '../stages/registry';

/** The demo's two runs of stages: `segment` on every document, `llm` on the capped segments. */
export type DemoPhase = 'segment' | 'llm';

/**
 * A stage type's phase, from its metadata: the method's `prepare` stages (crawl text to segments)
 * run on everything first; every other stage runs on the capped segments, after the cap (an LLM
 * stage, or one that reads what they write).
 */
export function demoPhaseOf(type: string, stages: readonly RegisteredStage[] = STAGES): DemoPhase {
  return findStage(type, stages)?.meta.category === 'prepare' ? 'segment' : 'llm';
}

/** Whether a stage type calls an LLM: the demo points those at its --model. */
export function callsLlm(type: string, stages: readonly RegisteredStage[] = STAGES): boolean {
  return findStage(type, stages)?.meta.callsLlm === true;
}
