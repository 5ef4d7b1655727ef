import { z } from 'zod';
import type { RecordTypeName } from '../records/types';
import type { StageDefinition, StageMeta, StageRecordTypes } from './stage';
import { passthroughStage } from './passthrough';
import { segmentStage } from './segment';
import { dedupStage } from './dedup';
import { backtranslateStage } from './backtranslate';
import { scoreStage } from './score';
import { tierFilterStage } from './tierFilter';

/** Calls back with a stage definition, its option shape and record types intact. */
export type WithDefinition<R> = <S extends z.ZodRawShape, I extends RecordTypeName, O extends RecordTypeName>(def: StageDefinition<S, I, O>) => R;

/**
 * A stage type as the registry holds it. Stages read and write different record types, so the
 * registry cannot list their definitions under one type; `use` hands the definition to generic code
 * (the runner, offline mode) with its types intact, and the rest is what every caller needs as data.
 */
export interface RegisteredStage {
  readonly type: string;
  readonly description: string;
  readonly meta: StageMeta;
  /** The stage's own options, merged into its topology entry (src/topology/schema.ts). */
  readonly options: z.ZodRawShape;
  /** The record types and extra output topics of a (validated) topology entry of this type. */
  describe(entry: object): { recordTypes: StageRecordTypes<RecordTypeName, RecordTypeName>; extraOutputs: string[] };
  use<R>(f: WithDefinition<R>): R;
}

export function registerStage<S extends z.ZodRawShape, I extends RecordTypeName, O extends RecordTypeName>(def: StageDefinition<S, I, O>): RegisteredStage {
  // Field defaults only: object-level refinements are the factory's to check (they would throw here
  // on an entry the topology schema accepted and the factory then refuses with a better message).
  const fields = z.object(def.configSchema.shape);
  return {
    type: def.type,
    description: def.description,
    meta: def.meta,
    options: def.configSchema.shape,
    describe: (entry) => {
      const config = fields.parse(entry);
      return { recordTypes: def.recordTypes(config), extraOutputs: def.extraOutputTopics?.(config) ?? [] };
    },
    use: (f) => f(def),
  };
}

/** Every stage type the engine knows. The topology schema is built from this list: a new stage is one file plus one line here. */
export const STAGES: readonly RegisteredStage[] = [
  registerStage(passthroughStage),
  registerStage(segmentStage),
  registerStage(dedupStage),
  registerStage(backtranslateStage),
  registerStage(scoreStage),
  registerStage(tierFilterStage),
];

export function findStage(type: string, stages: readonly RegisteredStage[] = STAGES): RegisteredStage | undefined {
  return stages.find((s) => s.type === type);
}
