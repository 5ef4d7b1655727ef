import { PoisonRecordError } from '../../core/errors';

/**
 * The Confluent wire format: magic byte 0x00, 4-byte big-endian schema id, then the Avro binary body.
 * Using it (rather than bare Avro) lets Confluent tooling and kcat read our topics.
 */
export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;
/** Confluent ids are Java ints; we only ever use non-negative ones. */
export const MAX_SCHEMA_ID = 0x7fffffff;

export function assertSchemaId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_SCHEMA_ID) {
    throw new RangeError(`schema id must be an integer in [0, 2^31), got ${id}`);
  }
}

/** Write the 5-byte header at the start of `buf`, whose body already sits at offset HEADER_SIZE. */
export function writeHeader(buf: Buffer, id: number): Buffer {
  assertSchemaId(id);
  buf[0] = MAGIC_BYTE;
  buf.writeUInt32BE(id, 1);
  return buf;
}

/** Prefix an Avro body with the wire header (copies: the result owns its bytes). */
export function frame(id: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out.set(payload, HEADER_SIZE);
  return writeHeader(out, id);
}

export interface Unframed {
  id: number;
  /** A view into the input buffer, not a copy. */
  payload: Buffer;
}

/** Split a wire-format value; throws PoisonRecordError (`decode.empty|bad-magic-byte|truncated`). */
export function unframe(buf: Buffer): Unframed {
  if (buf.length === 0) throw new PoisonRecordError('decode.empty', 'record value is empty (null or tombstone?)');
  if (buf[0] !== MAGIC_BYTE) {
    throw new PoisonRecordError(
      'decode.bad-magic-byte',
      `record value starts with byte 0x${buf[0].toString(16).padStart(2, '0')}, not the wire format's 0x00 ` +
        '(written without a schema id, e.g. plain JSON or bare Avro?)',
      { detail: preview(buf) },
    );
  }
  if (buf.length < HEADER_SIZE) {
    throw new PoisonRecordError(
      'decode.truncated',
      `record value has ${buf.length} bytes, shorter than the ${HEADER_SIZE}-byte wire header`,
      { detail: preview(buf) },
    );
  }
  return { id: buf.readUInt32BE(1), payload: buf.subarray(HEADER_SIZE) };
}

/** First bytes in hex, for the dead letter's detail: enough to recognise JSON or a foreign format. */
export function preview(buf: Uint8Array, max = 32): string {
  const hex = Buffer.from(buf.subarray(0, max)).toString('hex');
  return buf.length > max ? `${hex}… (${buf.length} bytes)` : hex;
}
