import type { IHeaders } from 'kafkajs';

/**
 * The Kafka header carrying when the source document was ingested (ms since the epoch, decimal).
 * `humpback ingest` sets it; every stage copies it from its input to its outputs, so the last stage
 * can measure end-to-end latency without a field in every record type.
 */
export const INGESTED_AT_HEADER = 'humpback-ingested-at';

export function ingestedAtHeader(ms: number): Record<string, string> {
  return { [INGESTED_AT_HEADER]: String(ms) };
}

/** The header to copy from an input to its outputs (none when the input had none). */
export function lineageHeaders(headers: IHeaders | undefined): Record<string, string> | undefined {
  const at = ingestedAt(headers);
  return at === undefined ? undefined : ingestedAtHeader(at);
}

export function ingestedAt(headers: IHeaders | undefined): number | undefined {
  const raw = headers?.[INGESTED_AT_HEADER];
  const text = Array.isArray(raw) ? raw[0] : raw;
  const ms = text === undefined ? NaN : Number(text.toString());
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
