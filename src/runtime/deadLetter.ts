import type { DeadLetterRecord } from '../records/types';

export interface FailedRecord {
  stage: string;
  reason: string;
  message: string;
  detail?: string;
  attempts: number;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** Keeps dead letters bounded: the original bytes are kept whole, free text is capped. */
const MAX_TEXT = 64 * 1024;
const cap = (s: string): string => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + '…[truncated]' : s);

export function toDeadLetter(failed: FailedRecord, now: number): DeadLetterRecord {
  return {
    stage: failed.stage,
    reason: failed.reason,
    message: cap(failed.message),
    detail: failed.detail === undefined ? null : cap(failed.detail),
    attempts: failed.attempts,
    source_topic: failed.topic,
    source_partition: failed.partition,
    source_offset: Number(failed.offset),
    key: failed.key,
    value: failed.value,
    failed_at: now,
  };
}
