import type { Consumer } from 'kafkajs';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { BROKER_CALL_POLICY, retrying, type RetryPolicy } from '../core/retryPolicy';

/** Offsets as the trainer reasons about them: numbers (they stay far below 2^53). */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * Three attempts within about 2 s: a commit that fails mid-rebalance only succeeds once the consumer
 * has rejoined, which waiting here would hold up.
 */
const TRAINER_COMMIT_POLICY: RetryPolicy = { ...BROKER_CALL_POLICY, infrastructure: { initialMs: 200, maxMs: 2000 }, infrastructureRetries: 2 };

/**
 * Commits the next offsets to read. A commit that keeps failing (e.g. mid-rebalance) is logged and
 * left: the records come again and the snapshot frontier keeps them out of new snapshots.
 */
export async function commitWithRetry(consumer: Consumer, offsets: readonly PartitionOffset[], logger: Logger): Promise<boolean> {
  if (offsets.length === 0) return true;
  const request = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
  const onRetry = ({ delayMs, error }: { delayMs: number; error: unknown }): void => logger.warn('offset commit failed; retrying', { inMs: delayMs, error: errorMessage(error) });
  try {
    await retrying(() => consumer.commitOffsets(request), TRAINER_COMMIT_POLICY, { onRetry });
    return true;
  } catch (err) {
    logger.warn('offset commit failed; the records will be read again and kept out of snapshots by the frontier', { error: errorMessage(err) });
    return false;
  }
}
