/**
 * Guards the hand-written interfaces of src/records/types.ts against drift from schemas/*.avsc.
 * The samples in test/helpers/sampleRecords.ts are typed by those interfaces (the compiler rejects
 * a missing or extra property), so their keys are the interfaces' fields; here they must equal the
 * schema's fields exactly, and the values must be valid Avro for them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadSchemas } from '../../src/kafka/serde/schemas';
import { RECORD_TYPES, type RecordTypeMap, type RecordTypeName } from '../../src/records/types';
import { sampleBuilders, sampleRecord, withNulls } from '../helpers/sampleRecords';

interface FieldJson {
  name: string;
  type: unknown;
  default?: unknown;
}

const schemas = loadSchemas();
const names = Object.values(RECORD_TYPES);

function fieldsOf(name: RecordTypeName): FieldJson[] {
  const file = schemas.all.find((s) => s.current && s.name === name)?.file;
  if (file === undefined) throw new Error(`no schema file for ${name}`);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { fields: FieldJson[] }).fields;
}

// Compile-time: the builders cover exactly the record types of RecordTypeMap.
const _complete: { [K in keyof RecordTypeMap]: unknown } = sampleBuilders;
void _complete;

describe('records match schemas', () => {
  it('RECORD_TYPES names exactly the schemas in schemas/', () => {
    expect([...schemas.current.keys()].sort()).toEqual([...names].sort());
    for (const [short, full] of Object.entries(RECORD_TYPES)) {
      expect(path.basename(schemas.all.find((s) => s.name === full)?.file ?? '', '.avsc')).toBe(short);
    }
  });

  it.each(names)('%s: sample fields equal schema fields (none extra, none missing, same order)', (name) => {
    expect(Object.keys(sampleRecord(name))).toEqual(fieldsOf(name).map((f) => f.name));
  });

  it.each(names)('%s: the sample is valid for the schema, with nullable fields set and null', (name) => {
    const type = schemas.current.get(name)!;
    const problems: string[] = [];
    const hook = { errorHook: (p: string[]) => problems.push(p.join('.')), noUndeclaredFields: true };
    type.isValid(sampleRecord(name), hook);
    const nullable = fieldsOf(name)
      .filter((f) => Array.isArray(f.type) && f.type.includes('null'))
      .map((f) => f.name);
    type.isValid(withNulls(name, nullable), hook);
    expect(problems).toEqual([]);
  });

  it.each(names)('%s: non-null schema fields reject null (the interface must not say `| null`)', (name) => {
    // The converse of the check above: a field the schema does not allow to be null must not be
    // declared nullable in TypeScript. We cannot read TS types at run time, so check the samples'
    // non-null values against a nulled copy: every non-union field must reject null.
    const type = schemas.current.get(name)!;
    for (const f of fieldsOf(name)) {
      if (Array.isArray(f.type) && f.type.includes('null')) continue;
      const nulled: Record<string, unknown> = { ...sampleRecord(name), [f.name]: null };
      expect({ field: f.name, valid: type.isValid(nulled) }).toEqual({ field: f.name, valid: false });
    }
  });
});
