import { map } from 'rxjs';
import { z } from 'zod';
import { RECORD_TYPES, type RecordTypeMap, type RecordTypeName } from '../records/types';
import type { StageDefinition } from './stage';

const RECORD_NAMES = Object.values(RECORD_TYPES) as [RecordTypeName, ...RecordTypeName[]];

/** Options of the pass-through stage: which record type it carries. */
export const configSchema = z.object({
  record: z.enum(RECORD_NAMES).default('humpback.Segment'),
});
export type PassthroughConfig = z.infer<typeof configSchema>;

type AnyRecord = RecordTypeMap[RecordTypeName];

/** The primary key field of each record type: outputs keep the input's key. */
const KEY_FIELD: { [K in RecordTypeName]: keyof RecordTypeMap[K] } = {
  'humpback.Document': 'doc_id',
  'humpback.Segment': 'segment_id',
  'humpback.Candidate': 'candidate_id',
  'humpback.ScoredCandidate': 'scored_id',
  'humpback.CuratedExample': 'example_id',
  'humpback.DeadLetter': 'stage',
};

/**
 * Copies each record unchanged to the output topic. It exists to prove the runtime (ordering,
 * dead letters, crash recovery) independently of any real stage logic.
 */
export const passthroughStage: StageDefinition<typeof configSchema.shape, AnyRecord, AnyRecord> = {
  type: 'passthrough',
  description: 'Copies records unchanged (proves the runtime).',
  configSchema,
  recordTypes: (config) => ({ input: config.record, output: config.record }),
  create: (config) => {
    const keyField = KEY_FIELD[config.record] as string;
    return map((value: AnyRecord) => ({ key: String((value as unknown as Record<string, unknown>)[keyField]), value }));
  },
};
