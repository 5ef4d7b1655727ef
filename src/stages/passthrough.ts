import { z } from 'zod';
import { RECORD_TYPES, type RecordTypeMap, type RecordTypeName } from '../records/types';
import type { StageDefinition } from './stage';
import { batched } from '../runtime/batched';
import type { Projection } from '../runtime/projection';

const RECORD_NAMES = Object.values(RECORD_TYPES) as [RecordTypeName, ...RecordTypeName[]];

/** Options of the pass-through stage: which record type it carries, and whether it copies in batches. */
export const configSchema = z.object({
  record: z.enum(RECORD_NAMES).default('humpback.Segment'),
  /**
   * Copy records in batches of up to `size`, each waiting at most `maxWaitMs` for company (RxJS
   * bufferTime via batched()): proves that a stage working across records keeps the runtime's
   * guarantees (each input committed after its own outputs are acknowledged, per-key order).
   */
  batch: z.strictObject({ size: z.number().int().min(1), maxWaitMs: z.number().int().min(0) }).optional(),
});
export type PassthroughConfig = z.infer<typeof configSchema>;

/** The primary key of each record type: outputs keep the input's key. */
const KEY_OF: { [K in RecordTypeName]: (record: RecordTypeMap[K]) => string } = {
  'humpback.Document': (r) => r.doc_id,
  'humpback.Segment': (r) => r.segment_id,
  'humpback.Candidate': (r) => r.candidate_id,
  'humpback.ScoredCandidate': (r) => r.scored_id,
  'humpback.CuratedExample': (r) => r.example_id,
  'humpback.DeadLetter': (r) => r.stage,
};

/** Each record of type `type` out unchanged, keyed by its id. */
export function copyOf<K extends RecordTypeName>(type: K): Projection<RecordTypeMap[K], RecordTypeMap[K]> {
  const keyOf: (record: RecordTypeMap[K]) => string = KEY_OF[type];
  return (value) => [{ key: keyOf(value), value }];
}

/**
 * Copies each record unchanged to the output topic. It exists to prove the runtime (ordering,
 * dead letters, crash recovery, batching across records, its overhead in bench/pipelineOverhead.ts)
 * apart from any stage logic.
 */
export const passthroughStage: StageDefinition<typeof configSchema.shape, RecordTypeName, RecordTypeName> = {
  type: 'passthrough',
  description: 'Copies records unchanged (proves the runtime).',
  meta: { category: 'test', callsLlm: false, scaling: { bound: 'wait', autoscale: false } },
  configSchema,
  recordTypes: (config) => ({ input: config.record, output: config.record }),
  create: (config, ctx) => {
    const copy = copyOf(config.record);
    if (config.batch === undefined) return copy;
    return batched({ ...config.batch, signal: ctx.signal }, async (inputs) => Promise.all(inputs.map(async (input) => copy(input))));
  },
};
