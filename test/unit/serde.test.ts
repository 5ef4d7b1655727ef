import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Type } from 'avsc';
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { LocalSchemaIds, localSchemaId, type SchemaIdResolver } from '../../src/kafka/serde/registry';
import { defaultSchemaDir, loadSchemas } from '../../src/kafka/serde/schemas';
import { frame, unframe } from '../../src/kafka/serde/wire';
import { RECORD_TYPES, type RecordTypeName, type SegmentRecord } from '../../src/records/types';
import { ConfigError, PoisonRecordError } from '../../src/core/errors';
import { sampleDocument, sampleRecord, sampleSegment, withNulls } from '../helpers/sampleRecords';

const ALL_TYPES = Object.values(RECORD_TYPES);

interface FieldJson {
  name: string;
  type: unknown;
}
interface RecordJson {
  name: string;
  fields: FieldJson[];
}

function readSchemaJson(short: string): RecordJson {
  return JSON.parse(fs.readFileSync(path.join(defaultSchemaDir(), `${short}.avsc`), 'utf8')) as RecordJson;
}

function nullableFields(name: RecordTypeName): string[] {
  const short = name.slice('humpback.'.length);
  return readSchemaJson(short)
    .fields.filter((f) => Array.isArray(f.type) && f.type.includes('null'))
    .map((f) => f.name);
}

/** Segment as it was before `heading_path` and `language` were added (both have defaults). */
function segmentV1(): RecordJson {
  const s = readSchemaJson('Segment');
  return { ...s, fields: s.fields.filter((f) => f.name !== 'heading_path' && f.name !== 'language') };
}

const tmpDirs: string[] = [];
/** A copy of schemas/ with some files replaced or added (`history/Segment.v1.avsc` etc.). */
function schemaDir(files: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-schemas-'));
  tmpDirs.push(dir);
  for (const f of fs.readdirSync(defaultSchemaDir())) {
    if (f.endsWith('.avsc')) fs.copyFileSync(path.join(defaultSchemaDir(), f), path.join(dir, f));
  }
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function poisonReason(p: Promise<unknown>): Promise<PoisonRecordError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PoisonRecordError) return err;
    throw err;
  }
  throw new Error('expected a PoisonRecordError');
}

/** Counts calls through to a real resolver, to observe the serde's caching. */
class CountingResolver implements SchemaIdResolver {
  idCalls = 0;
  typeCalls = 0;
  constructor(private readonly inner: SchemaIdResolver) {}
  idFor(type: Type, topic: string): Promise<number> {
    this.idCalls++;
    return this.inner.idFor(type, topic);
  }
  typeFor(id: number): Promise<Type | undefined> {
    this.typeCalls++;
    return this.inner.typeFor(id);
  }
}

let serde: Serde;
beforeAll(async () => {
  serde = await createSerde({ env: {} });
});

describe('round trip', () => {
  it.each(ALL_TYPES)('%s with every nullable field set', async (name) => {
    const value = sampleRecord(name);
    expect(serde.validate(name, value)).toEqual([]);
    const decoded = await serde.decode(name, await serde.encode(name, value, 't'));
    expect(decoded).toEqual(value);
  });

  it.each(ALL_TYPES)('%s with every nullable field null', async (name) => {
    const value = withNulls(name, nullableFields(name));
    expect(await serde.decode(name, await serde.encode(name, value, 't'))).toEqual(value);
  });

  it('keeps longs beyond 32 bits, unicode text and bytes', async () => {
    const seg = sampleSegment({ source_offset: 2 ** 40 + 7, text: 'Wal — 🐋 — baleine' });
    const back = await serde.decode('humpback.Segment', await serde.encode('humpback.Segment', seg, 't'));
    expect(back.source_offset).toBe(2 ** 40 + 7);
    expect(back.text).toBe('Wal — 🐋 — baleine');
  });

  it.each([100_000, 3_000_000])('round-trips a %d-character document (beyond the encode scratch buffer)', async (size) => {
    const doc = sampleDocument({ content: 'wal '.repeat(size / 4) });
    const buf = await serde.encode('humpback.Document', doc, 't');
    expect(await serde.decode('humpback.Document', buf)).toEqual(doc);
    // And the next small record is not polluted by the large one.
    expect(await serde.decode('humpback.Segment', await serde.encode('humpback.Segment', sampleSegment(), 't'))).toEqual(sampleSegment());
  });

  it('frames with the local id of the type and exposes the avsc type', async () => {
    const buf = await serde.encode('humpback.Document', sampleDocument(), 't');
    expect(buf[0]).toBe(0);
    expect(unframe(buf).id).toBe(localSchemaId(serde.type('humpback.Document')));
    expect(serde.type('humpback.Document').name).toBe('humpback.Document');
  });
});

describe('deterministic local ids', () => {
  it('are the same across two serde instances (separate schema loads) and give identical bytes', async () => {
    const other = await createSerde({ env: {} });
    for (const name of ALL_TYPES) {
      const a = await serde.encode(name, sampleRecord(name), 't');
      const b = await other.encode(name, sampleRecord(name), 't');
      expect(b.equals(a)).toBe(true);
      // And each decodes what the other wrote.
      expect(await other.decode(name, a)).toEqual(sampleRecord(name));
    }
  });

  it('differ between schemas and sit in [2^30, 2^31) apart from registry ids', () => {
    const ids = ALL_TYPES.map((n) => localSchemaId(serde.type(n)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toBeGreaterThanOrEqual(2 ** 30);
      expect(id).toBeLessThan(2 ** 31);
    }
  });

  it('ignore docs and defaults (canonical form) but not field changes', () => {
    const seg = readSchemaJson('Segment');
    const redoc = { ...seg, doc: 'reworded', fields: seg.fields.map((f) => ({ ...f, doc: 'x' })) };
    const set = loadSchemas(schemaDir({ 'Segment.avsc': redoc, 'history/Segment.v1.avsc': segmentV1() }));
    const current = set.current.get('humpback.Segment') as Type;
    expect(localSchemaId(current)).toBe(localSchemaId(serde.type('humpback.Segment')));
    const v1 = set.all.find((s) => !s.current)?.type as Type;
    expect(localSchemaId(v1)).not.toBe(localSchemaId(current));
  });

  it('fail clearly on a fingerprint collision between two loaded schemas', () => {
    const set = loadSchemas(schemaDir());
    expect(() => new LocalSchemaIds(set.all, { idOf: () => 0x40000001 })).toThrow(ConfigError);
    expect(() => new LocalSchemaIds(set.all, { idOf: () => 0x40000001 })).toThrow(/collision: .*CuratedExample\.avsc and .*Candidate\.avsc/);
  });

  it('let schemas with the same canonical form share an id without a collision error', () => {
    const seg = readSchemaJson('Segment');
    const set = loadSchemas(schemaDir({ 'history/Segment.v0.avsc': { ...seg, doc: 'older wording' } }));
    const ids = new LocalSchemaIds(set.all);
    expect(ids.ids()).toHaveLength(ALL_TYPES.length);
  });
});

describe('schema evolution', () => {
  it('reads a record written with an older Segment (no heading_path, language) with the defaults', async () => {
    const oldProducer = await createSerde({ env: {}, schemaDir: schemaDir({ 'Segment.avsc': segmentV1() }) });
    const newConsumer = await createSerde({ env: {}, schemaDir: schemaDir({ 'history/Segment.v1.avsc': segmentV1() }) });
    // The old producer's schema has no heading_path/language: avsc ignores the extra properties.
    const written = await oldProducer.encode('humpback.Segment', sampleSegment(), 't');
    expect(unframe(written).id).not.toBe(localSchemaId(newConsumer.type('humpback.Segment')));
    const read = await newConsumer.decode('humpback.Segment', written);
    expect(read).toEqual<SegmentRecord>({ ...sampleSegment(), heading_path: [], language: null });
  });

  it('reads a current record with an older reader (fields it does not know are skipped)', async () => {
    // Old consumer that knows the new writer schema (local ids have no registry to ask).
    const oldConsumer = await createSerde({
      env: {},
      schemaDir: schemaDir({ 'Segment.avsc': segmentV1(), 'history/Segment.v2.avsc': readSchemaJson('Segment') }),
    });
    const read = await oldConsumer.decode('humpback.Segment', await serde.encode('humpback.Segment', sampleSegment(), 't'));
    const { heading_path: _hp, language: _lang, ...rest } = sampleSegment();
    expect({ ...read }).toEqual(rest);
  });

  it('cannot decode newer records with local ids unless the new schema is in history', async () => {
    const oldConsumer = await createSerde({ env: {}, schemaDir: schemaDir({ 'Segment.avsc': segmentV1() }) });
    const err = await poisonReason(oldConsumer.decode('humpback.Segment', await serde.encode('humpback.Segment', sampleSegment(), 't')));
    expect(err.reason).toBe('decode.unknown-schema-id');
  });

  it('resolves each writer id once, then reuses the resolver', async () => {
    const dir = schemaDir({ 'history/Segment.v1.avsc': segmentV1() });
    const counting = new CountingResolver(new LocalSchemaIds(loadSchemas(dir).all));
    const consumer = await createSerde({ env: {}, schemaDir: dir, resolver: counting });
    const oldProducer = await createSerde({ env: {}, schemaDir: schemaDir({ 'Segment.avsc': segmentV1() }) });
    const oldRecord = await oldProducer.encode('humpback.Segment', sampleSegment(), 't');
    const newRecord = await consumer.encode('humpback.Segment', sampleSegment(), 't');
    for (let i = 0; i < 50; i++) {
      await consumer.decode('humpback.Segment', oldRecord);
      await consumer.decode('humpback.Segment', newRecord);
      await consumer.encode('humpback.Segment', sampleSegment(), 't');
    }
    expect(counting.typeCalls).toBe(2);
    expect(counting.idCalls).toBe(1);
  });
});

describe('decode failures are poison records with a reason', () => {
  const segment = (): Promise<Buffer> => serde.encode('humpback.Segment', sampleSegment(), 't');
  const segId = (): number => localSchemaId(serde.type('humpback.Segment'));

  it('decode.empty: a tombstone', async () => {
    expect((await poisonReason(serde.decode('humpback.Segment', Buffer.alloc(0)))).reason).toBe('decode.empty');
  });

  it('decode.bad-magic-byte: plain JSON on the topic', async () => {
    const json = Buffer.from(JSON.stringify(sampleSegment()));
    expect((await poisonReason(serde.decode('humpback.Segment', json))).reason).toBe('decode.bad-magic-byte');
  });

  it('decode.truncated: a header cut short', async () => {
    const buf = (await segment()).subarray(0, 3);
    expect((await poisonReason(serde.decode('humpback.Segment', buf))).reason).toBe('decode.truncated');
  });

  it('decode.truncated: an Avro body cut short', async () => {
    const buf = await segment();
    const err = await poisonReason(serde.decode('humpback.Segment', buf.subarray(0, buf.length - 10)));
    expect(err.reason).toBe('decode.truncated');
  });

  it('decode.unknown-schema-id: an id no schema has', async () => {
    const { payload } = unframe(await segment());
    const err = await poisonReason(serde.decode('humpback.Segment', frame(12345, payload)));
    expect(err.reason).toBe('decode.unknown-schema-id');
    expect(err.message).toContain('12345');
  });

  it('decode.incompatible-schema: a Document on the segments topic', async () => {
    const doc = await serde.encode('humpback.Document', sampleDocument(), 't');
    const err = await poisonReason(serde.decode('humpback.Segment', doc));
    expect(err.reason).toBe('decode.incompatible-schema');
    expect(err.message).toMatch(/humpback\.Document.*humpback\.Segment/);
  });

  it('decode.incompatible-schema: an old writer lacking a field the reader has no default for', async () => {
    const seg = readSchemaJson('Segment');
    const v0 = { ...seg, fields: seg.fields.filter((f) => f.name !== 'char_count') };
    const oldProducer = await createSerde({ env: {}, schemaDir: schemaDir({ 'Segment.avsc': v0 }) });
    const consumer = await createSerde({ env: {}, schemaDir: schemaDir({ 'history/Segment.v0.avsc': v0 }) });
    const written = await oldProducer.encode('humpback.Segment', sampleSegment(), 't');
    const err = await poisonReason(consumer.decode('humpback.Segment', written));
    expect(err.reason).toBe('decode.incompatible-schema');
    expect(err.message).toContain('char_count');
    // Cached as incompatible, and still reported the same way.
    expect((await poisonReason(consumer.decode('humpback.Segment', written))).reason).toBe('decode.incompatible-schema');
  });

  it('decode.corrupt: an invalid union branch index', async () => {
    const { payload } = unframe(await serde.encode('humpback.Segment', sampleSegment({ segment_id: 'a', doc_id: 'b', segment_index: 0 }), 't'));
    // Layout: "a" (02 61), "b" (02 62), int 0 (00), then the url union index.
    const bad = Buffer.from(payload);
    bad[5] = 0x0a; // branch 5 of a 2-branch union
    const err = await poisonReason(serde.decode('humpback.Segment', frame(segId(), bad)));
    expect(err.reason).toBe('decode.corrupt');
    expect(err.detail).toMatch(/^00/);
  });

  it('decode.corrupt: trailing bytes after the record', async () => {
    const buf = Buffer.concat([await segment(), Buffer.from([0, 0, 0])]);
    const err = await poisonReason(serde.decode('humpback.Segment', buf));
    expect(err.reason).toBe('decode.corrupt');
    expect(err.message).toContain('3 trailing bytes');
  });
});

describe('validation', () => {
  it('encode of an invalid value is a poison record naming the field paths', async () => {
    const bad = { ...sampleSegment(), segment_index: 'two', heading_path: ['ok', 3] } as unknown as SegmentRecord;
    const err = await poisonReason(serde.encode('humpback.Segment', bad, 't'));
    expect(err.reason).toBe('encode.invalid');
    expect(err.message).toContain('segment_index (expected int, got "two")');
    expect(err.message).toContain('heading_path[1] (expected string, got 3)');
    expect(err.detail).toBe('segment_index,heading_path[1]');
  });

  it('validate lists missing fields, nulls in non-null fields and bad enum symbols', () => {
    const { doc_id: _d, ...noId } = sampleSegment();
    expect(serde.validate('humpback.Segment', noId)).toEqual(['doc_id']);
    expect(serde.validate('humpback.Segment', { ...sampleSegment(), text: null })).toEqual(['text']);
    expect(serde.validate('humpback.CuratedExample', { ...sampleRecord('humpback.CuratedExample'), source: 'web' })).toEqual(['source']);
    expect(serde.validate('humpback.Segment', null)).toEqual(['(record)']);
  });

  it('validate can reject undeclared fields (typos such as segmentId)', () => {
    const typo = { ...sampleSegment(), segmentId: 'x' };
    expect(serde.validate('humpback.Segment', typo)).toEqual([]);
    expect(serde.validate('humpback.Segment', typo, { noUndeclaredFields: true })).toEqual(['(record)']);
  });

  it('fields with defaults may be omitted on encode and come back with the default', async () => {
    const { heading_path: _h, ...partial } = sampleSegment();
    const back = await serde.decode('humpback.Segment', await serde.encode('humpback.Segment', partial as SegmentRecord, 't'));
    expect(back.heading_path).toEqual([]);
  });
});

describe('schema loading', () => {
  it('loads every record type by full name', () => {
    const set = loadSchemas();
    expect([...set.current.keys()].sort()).toEqual([...ALL_TYPES].sort());
  });

  it.each([
    ['bad JSON', { 'Segment.avsc': '{"type": "record",' }, /Segment\.avsc: not valid JSON/],
    ['an invalid schema', { 'Segment.avsc': { type: 'record', name: 'Segment', namespace: 'humpback', fields: [{ name: 'x', type: 'strnig' }] } }, /Segment\.avsc: invalid Avro schema: .*strnig/],
    ['a bad default', { 'Segment.avsc': { type: 'record', name: 'Segment', namespace: 'humpback', fields: [{ name: 'x', type: 'int', default: 'a' }] } }, /Segment\.avsc: invalid Avro schema/],
    ['a file named after another record', { 'Extra.avsc': readSchemaJson('Segment') }, /Extra\.avsc: defines record humpback\.Segment/],
    ['a history file without a version', { 'history/Segment.avsc': segmentV1() }, /history\/Segment\.avsc: history files are named/],
    ['a history file for another record', { 'history/Document.v1.avsc': segmentV1() }, /Document\.v1\.avsc: defines record humpback\.Segment/],
  ])('fails with a ConfigError naming the file on %s', (_what, files, message) => {
    const dir = schemaDir(files);
    expect(() => loadSchemas(dir)).toThrow(ConfigError);
    expect(() => loadSchemas(dir)).toThrow(message);
  });

  it('createSerde fails when a record type has no schema', async () => {
    const dir = schemaDir();
    fs.rmSync(path.join(dir, 'Candidate.avsc'));
    await expect(createSerde({ env: {}, schemaDir: dir })).rejects.toThrow(/no schema file defines humpback\.Candidate/);
  });

  it('keeps history schemas decodable next to the current ones', () => {
    const set = loadSchemas(schemaDir({ 'history/Segment.v1.avsc': segmentV1(), 'history/README.md': 'ignored' }));
    expect(set.all.filter((s) => !s.current).map((s) => path.basename(s.file))).toEqual(['Segment.v1.avsc']);
    expect(set.current.get('humpback.Segment')?.equals(serde.type('humpback.Segment'))).toBe(true);
  });
});
