import type { Consumer } from 'kafkajs';
import { backoffDelay, sleep } from '../core/backoff';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';

/** Offsets as the trainer reasons about them: numbers (they stay far below 2^53). */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * Commits the next offsets to read. A commit that keeps failing (e.g. mid-rebalance) is logged and
 * left: the records come again and the snapshot frontier keeps them out of new snapshots.
 */
export async function commitWithRetry(consumer: Consumer, offsets: readonly PartitionOffset[], logger: Logger, attempts = 3): Promise<boolean> {
  if (offsets.length === 0) return true;
  const request = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await consumer.commitOffsets(request);
      return true;
    } catch (err) {
      logger.warn('offset commit failed', { attempt, error: errorMessage(err) });
      if (attempt < attempts) await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 2000 }));
    }
  }
  return false;
}
