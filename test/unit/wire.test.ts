import { PoisonRecordError } from '../../src/core/errors';
import { frame, unframe } from '../../src/kafka/serde/wire';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PoisonRecordError) return err.reason;
    throw err;
  }
  throw new Error('expected a PoisonRecordError');
}

describe('Confluent wire format', () => {
  it('frames as 0x00, big-endian id, payload', () => {
    const out = frame(0x01020304, Buffer.from([0xaa, 0xbb]));
    expect([...out]).toEqual([0x00, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]);
  });

  it('round-trips ids across the range, including the largest 31-bit id', () => {
    for (const id of [0, 1, 255, 256, 65_536, 0x40000000, 0x7fffffff]) {
      const payload = Buffer.from('avro body');
      const got = unframe(frame(id, payload));
      expect(got.id).toBe(id);
      expect(got.payload.equals(payload)).toBe(true);
    }
  });

  it('accepts an empty body (a record with no fields encodes to zero bytes)', () => {
    expect(unframe(Buffer.from([0, 0, 0, 0, 7]))).toEqual({ id: 7, payload: Buffer.alloc(0) });
  });

  it('returns a view of the input, not a copy', () => {
    const buf = frame(9, Buffer.from([1, 2, 3]));
    const { payload } = unframe(buf);
    buf[5] = 42;
    expect(payload[0]).toBe(42);
  });

  it('rejects ids outside [0, 2^31) as a programming error', () => {
    expect(() => frame(-1, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => frame(2 ** 31, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => frame(1.5, Buffer.alloc(0))).toThrow(RangeError);
  });

  it.each([
    ['decode.empty', 'an empty value (tombstone)', Buffer.alloc(0)],
    ['decode.bad-magic-byte', 'plain JSON', Buffer.from('{"doc_id":"abc"}')],
    ['decode.bad-magic-byte', 'a header with magic byte 1', Buffer.from([0x01, 0, 0, 0, 1, 2])],
    ['decode.truncated', 'the magic byte alone', Buffer.from([0x00])],
    ['decode.truncated', 'a 4-byte header', Buffer.from([0x00, 0x00, 0x00, 0x01])],
  ])('unframe fails with %s for %s', (reason, _what, buf) => {
    expect(reasonOf(() => unframe(buf))).toBe(reason);
  });

  it('puts the first bytes in the dead letter detail of a bad magic byte', () => {
    try {
      unframe(Buffer.from('{"a":1}'));
      throw new Error('unreachable');
    } catch (err) {
      expect(err).toBeInstanceOf(PoisonRecordError);
      expect((err as PoisonRecordError).detail).toBe(Buffer.from('{"a":1}').toString('hex'));
      expect((err as PoisonRecordError).message).toContain('0x7b');
    }
  });
});
