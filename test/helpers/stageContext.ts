/** A stage context for unit tests of operators: quiet logger, fixed clock, filtered counts recorded. */
import { createLogger } from '../../src/core/logger';
import type { StageContext } from '../../src/stages/stage';
import { stageContext } from '../../src/topology/builder';

export function testStageContext(stage: string, now = 0): { ctx: StageContext; filtered: Record<string, number> } {
  const filtered: Record<string, number> = {};
  const { ctx } = stageContext(stage, {
    logger: createLogger({}, 'error'),
    now: () => now,
    countFiltered: (reason) => void (filtered[reason] = (filtered[reason] ?? 0) + 1),
  });
  return { ctx, filtered };
}
