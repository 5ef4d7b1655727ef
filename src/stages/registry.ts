import type { z } from 'zod';
import type { StageDefinition } from './stage';
import { passthroughStage } from './passthrough';
import { segmentStage } from './segment';
import { dedupStage } from './dedup';
import { backtranslateStage } from './backtranslate';
import { scoreStage } from './score';
import { tierFilterStage } from './tierFilter';

/**
 * Every stage type the engine knows. The topology schema is built from this list, so a new stage
 * is one file plus one line here.
 */
/** Registry entries are heterogeneous; each is type-checked where it is defined. */
export type AnyStageDefinition = StageDefinition<z.ZodRawShape, never, unknown>;

export const STAGES: readonly AnyStageDefinition[] = [
  passthroughStage as unknown as AnyStageDefinition,
  segmentStage as unknown as AnyStageDefinition,
  dedupStage as unknown as AnyStageDefinition,
  backtranslateStage as unknown as AnyStageDefinition,
  scoreStage as unknown as AnyStageDefinition,
  tierFilterStage as unknown as AnyStageDefinition,
];

export function findStage(type: string): AnyStageDefinition | undefined {
  return STAGES.find((s) => s.type === type);
}
