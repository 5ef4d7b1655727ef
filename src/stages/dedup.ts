import { z } from 'zod';
import type { SegmentRecord } from '../records/types';
import { fnv1a32 } from '../text/normalize';
import { InMemorySeenStore, KafkaSeenStore, type SeenStore } from './seenStore';
import type { StageDefinition } from './stage';
import type { Projection, StageOutput } from '../runtime/projection';

/**
 * Exact dedup across restarts and replicas (humpback.Segment -> humpback.Segment, segments.raw ->
 * segments). The segment stage keys every segment by its id (hash of the normalised text), so one
 * partition of the input, hence one replica at a time, owns each id.
 *
 * The seen-set and the crash windows. For each segment the stage emits two records, acknowledged by
 * the broker together before the runner commits the input offset: the segment to the output topic
 * and a *claim* (the same Segment record, key = segment id) to the compacted `seenTopic`. The store
 * reads the claims at start and again after every rebalance (before the next look-up). Memory: about
 * 20 bytes per id ever emitted, in every replica. A claim identifies the input record that made
 * it (doc_id, segment_index and created_at, which the segment stage sets per cut), so:
 *   - crash before both writes are acknowledged: the input is redelivered; if only the claim made it
 *     (the two writes are not atomic), the redelivered record finds *its own* claim and is emitted
 *     again: a segment is never lost;
 *   - crash after both writes, before the commit: the redelivered record finds its own claim and is
 *     emitted a second time. This duplicate is the runtime's ordinary at-least-once window (a
 *     second or so of records per crash), not a dedup failure;
 *   - rebalance: the new owner catches up first; a record the old owner was still writing when the
 *     new owner read the claims can come out twice. Rare (in-flight records at the moment of a
 *     rebalance) and only ever a duplicate;
 *   - the same text from a different record (another page, the same page re-ingested, a segment
 *     stage replay) finds another record's claim and is dropped as `duplicate`;
 *   - a replay of this stage's input (new consumer group from the beginning) is a redelivery of the
 *     claiming records, so it emits their segments again: replay into a fresh output topic.
 * A 64-bit id prefix collision (~n^2/2^65) drops a segment as a duplicate; a 32-bit claimant
 * collision can only cause a duplicate.
 * Offline (no ctx.kafka) the set is in memory and no claims are written.
 */
export const configSchema = z.object({
  /** Compacted topic of claims, carrying humpback.Segment; read fully at start. */
  seenTopic: z.string().min(1).default('segments.seen'),
});
export type DedupConfig = z.infer<typeof configSchema>;

/** Identity of the input record that claims an id (see above); 32 bits: a collision only risks a duplicate. */
export function claimantOf(segment: Pick<SegmentRecord, 'doc_id' | 'segment_index' | 'created_at'>): number {
  return fnv1a32(`${segment.doc_id}\u0000${segment.segment_index}\u0000${segment.created_at}`);
}

export interface DedupOptions {
  store: SeenStore;
  /** Where claims go; none offline. */
  seenTopic?: string;
  countFiltered: (reason: string) => void;
}

/** The pure part: one segment in, the segment (and its claim) out, or nothing for a duplicate. */
export function dedupProjection(o: DedupOptions): Projection<SegmentRecord, SegmentRecord> {
  return async (segment) => {
    const result = await o.store.claim(segment.segment_id, claimantOf(segment));
    if (result === 'taken') {
      o.countFiltered('duplicate');
      return [];
    }
    const out: StageOutput<SegmentRecord>[] = [{ key: segment.segment_id, value: segment }];
    // Output first, claim second in the same acknowledged batch (see the crash windows above).
    if (o.seenTopic !== undefined) out.push({ key: segment.segment_id, value: segment, topic: o.seenTopic });
    return out;
  };
}

export const dedupStage: StageDefinition<typeof configSchema.shape, 'humpback.Segment', 'humpback.Segment'> = {
  type: 'dedup',
  description:
    'Exact dedup: drops a segment whose normalised text was already emitted, across restarts and replicas. One partition owns each text hash; ' +
    'the seen-set is a compacted topic (`seenTopic`, default `segments.seen`), reloaded after restarts and rebalances.',
  // The seen ids of its partitions live in memory (reloaded from seenTopic after every rebalance).
  meta: { category: 'prepare', callsLlm: false, scaling: { bound: 'wait', autoscale: false } },
  configSchema,
  recordTypes: () => ({ input: 'humpback.Segment', output: 'humpback.Segment' }),
  extraOutputTopics: (config) => [config.seenTopic],
  create: async (config, ctx) => {
    const kafka = ctx.kafka;
    if (kafka === undefined) return dedupProjection({ store: new InMemorySeenStore(), countFiltered: ctx.countFiltered });
    const store = new KafkaSeenStore({
      kafka: kafka.kafka,
      topic: config.seenTopic,
      groupPrefix: ctx.stage,
      claimantOf: async (value) => claimantOf(await kafka.serde.decode('humpback.Segment', value)),
      logger: ctx.logger,
    });
    // Loaded before the first record, so a restarted stage never re-emits what it emitted before.
    await store.catchUp();
    ctx.onRebalance(() => store.markStale());
    ctx.signal.addEventListener('abort', () => store.close(), { once: true });
    return dedupProjection({ store, seenTopic: config.seenTopic, countFiltered: ctx.countFiltered });
  },
};
