import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { createSerde } from '../../src/kafka/serde/avroSerde';
import { ConfluentRegistry, SUBJECT_NAME_STRATEGIES, subjectNameStrategy } from '../../src/kafka/serde/registry';
import { defaultSchemaDir, loadSchemas } from '../../src/kafka/serde/schemas';
import { frame, unframe } from '../../src/kafka/serde/wire';
import { ConfigError, PoisonRecordError, RetriableError, isRetriable } from '../../src/core/errors';
import { startFakeSchemaRegistry, type FakeSchemaRegistry } from '../helpers/fakeSchemaRegistry';
import { sampleDocument, sampleSegment } from '../helpers/sampleRecords';

const SEGMENT = 'humpback.Segment';
const segmentType = () => loadSchemas().current.get(SEGMENT)!;

let reg: FakeSchemaRegistry;
beforeEach(async () => {
  reg = await startFakeSchemaRegistry();
});
afterEach(async () => {
  await reg.close();
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});
/** schemas/ with Segment as it was before heading_path and language were added. */
function v1SchemaDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-schemas-'));
  tmpDirs.push(dir);
  for (const f of fs.readdirSync(defaultSchemaDir())) {
    if (f.endsWith('.avsc')) fs.copyFileSync(path.join(defaultSchemaDir(), f), path.join(dir, f));
  }
  const seg = JSON.parse(fs.readFileSync(path.join(dir, 'Segment.avsc'), 'utf8')) as { fields: Array<{ name: string }> };
  seg.fields = seg.fields.filter((f) => f.name !== 'heading_path' && f.name !== 'language');
  fs.writeFileSync(path.join(dir, 'Segment.avsc'), JSON.stringify(seg));
  return dir;
}

describe('ConfluentRegistry against the test double', () => {
  it("takes ids from the registry under Confluent's default subjects, <topic>-value, made BACKWARD compatible", async () => {
    const serde = await createSerde({ registryUrl: reg.url, env: {} });
    const seg = await serde.encode(SEGMENT, sampleSegment(), 'segments');
    const doc = await serde.encode('humpback.Document', sampleDocument(), 'documents');
    expect(unframe(seg).id).toBe(1);
    expect(unframe(doc).id).toBe(2);
    expect(reg.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /subjects/segments-value 404', // is it there? no such subject: we create it...
      'PUT /config/segments-value 200', // ...with compatibility BACKWARD...
      'POST /subjects/segments-value/versions 200', // ...and register the schema
      'POST /subjects/documents-value 404',
      'PUT /config/documents-value 200',
      'POST /subjects/documents-value/versions 200',
    ]);
    expect([...reg.compatibility]).toEqual([['segments-value', 'BACKWARD'], ['documents-value', 'BACKWARD']]);
    const posts = reg.requests.filter((r) => r.method === 'POST');
    expect(posts[0].contentType).toBe('application/vnd.schemaregistry.v1+json');
    // The registered text is the file's, docs and logical types included (avsc would drop timestamp-millis).
    const registered = JSON.parse((JSON.parse(posts[1].body) as { schema: string }).schema) as { fields: Array<{ name: string; type: unknown }> };
    expect(registered.fields.find((f) => f.name === 'created_at')?.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
  });

  it('reads SCHEMA_REGISTRY_URL from the environment', async () => {
    const serde = await createSerde({ env: { SCHEMA_REGISTRY_URL: reg.url } });
    expect(unframe(await serde.encode(SEGMENT, sampleSegment(), 'segments')).id).toBe(1);
    expect(serde.resolver).toBeInstanceOf(ConfluentRegistry);
  });

  it('a subject that exists keeps its compatibility: an operator may have chosen another', async () => {
    const first = await createSerde({ registryUrl: reg.url, env: {} });
    await first.encode(SEGMENT, sampleSegment(), 'segments');
    const second = await createSerde({ registryUrl: reg.url, env: {} });
    expect(unframe(await second.encode(SEGMENT, sampleSegment(), 'segments')).id).toBe(1);
    expect(reg.count('PUT')).toBe(1);
    expect(reg.requests.at(-1)).toMatchObject({ method: 'POST', path: '/subjects/segments-value', status: 200 }); // found: nothing registered
  });

  it('caches ids and schemas in both directions', async () => {
    const producer = await createSerde({ registryUrl: reg.url, env: {} });
    const consumer = await createSerde({ registryUrl: reg.url, env: {} });
    const bufs = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.encode(SEGMENT, sampleSegment({ segment_index: i }), 'segments')));
    expect(reg.count('POST', '/subjects/segments-value/versions')).toBe(1); // concurrent first encodes share one registration
    for (const [i, buf] of bufs.entries()) {
      expect((await producer.decode(SEGMENT, buf)).segment_index).toBe(i);
    }
    expect(reg.count('GET')).toBe(0); // the producer knows the schema of the ids it registered
    await Promise.all(bufs.map((b) => consumer.decode(SEGMENT, b)));
    expect(reg.count('GET', '/schemas/ids/1')).toBe(1);
    // A second client registering the same schema gets the same id.
    expect(unframe(await consumer.encode(SEGMENT, sampleSegment(), 'segments')).id).toBe(1);
  });

  it('the three subject name strategies, chosen by SCHEMA_REGISTRY_SUBJECT_STRATEGY (short or Confluent class name)', async () => {
    const subjects = async (strategy: string | undefined): Promise<string[]> => {
      const serde = await createSerde({ registryUrl: reg.url, env: strategy === undefined ? {} : { SCHEMA_REGISTRY_SUBJECT_STRATEGY: strategy } });
      await serde.encode(SEGMENT, sampleSegment(), 'segments.raw');
      await serde.encode(SEGMENT, sampleSegment(), 'segments');
      return reg.requests.splice(0).filter((r) => r.path.endsWith('/versions')).map((r) => r.path.split('/')[2]);
    };
    expect(await subjects(undefined)).toEqual(['segments.raw-value', 'segments-value']);
    expect(await subjects('RecordNameStrategy')).toEqual(['humpback.Segment']); // one subject, registered once
    expect(await subjects('io.confluent.kafka.serializers.subject.TopicRecordNameStrategy')).toEqual(['segments.raw-humpback.Segment', 'segments-humpback.Segment']);
    expect(subjectNameStrategy('TopicNameStrategy')).toBe(SUBJECT_NAME_STRATEGIES.TopicNameStrategy);
    expect(() => subjectNameStrategy('TopicStrategy')).toThrow(/SCHEMA_REGISTRY_SUBJECT_STRATEGY "TopicStrategy" is not a subject name strategy\. Fix: use TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy/);
  });

  it('evolves across producers: old writer -> new reader gets defaults, new writer -> old reader drops fields', async () => {
    const oldSerde = await createSerde({ registryUrl: reg.url, env: {}, schemaDir: v1SchemaDir() });
    const newSerde = await createSerde({ registryUrl: reg.url, env: {} });
    const fromOld = await oldSerde.encode(SEGMENT, sampleSegment(), 'segments');
    const fromNew = await newSerde.encode(SEGMENT, sampleSegment(), 'segments');
    expect(unframe(fromOld).id).not.toBe(unframe(fromNew).id);
    expect(await newSerde.decode(SEGMENT, fromOld)).toEqual({ ...sampleSegment(), heading_path: [], language: null });
    const { heading_path: _h, language: _l, ...v1Fields } = sampleSegment();
    expect({ ...(await oldSerde.decode(SEGMENT, fromNew)) }).toEqual(v1Fields);
  });

  describe('unknown ids', () => {
    it('are a decode.unknown-schema-id poison record after a 404 40403', async () => {
      const serde = await createSerde({ registryUrl: reg.url, env: {} });
      const { payload } = unframe(await serde.encode(SEGMENT, sampleSegment(), 'segments'));
      const err = await rejection(serde.decode(SEGMENT, frame(999, payload)));
      expect(err).toBeInstanceOf(PoisonRecordError);
      expect((err as PoisonRecordError).reason).toBe('decode.unknown-schema-id');
      expect(reg.requests.at(-1)).toMatchObject({ path: '/schemas/ids/999', status: 404 });
    });

    it('are remembered for a while, then asked again (the id may have been registered since)', async () => {
      let now = 1_000;
      const client = new ConfluentRegistry({ url: reg.url, env: {}, unknownIdTtlMs: 5_000, now: () => now });
      expect(await client.typeFor(7)).toBeUndefined();
      expect(await client.typeFor(7)).toBeUndefined();
      expect(reg.count('GET')).toBe(1);
      reg.put(7, JSON.stringify(JSON.parse(fs.readFileSync(path.join(defaultSchemaDir(), 'Segment.avsc'), 'utf8'))));
      now += 5_001;
      expect((await client.typeFor(7))?.name).toBe(SEGMENT);
      expect(reg.count('GET')).toBe(2);
    });

    it('treat a 404 that is not Confluent "schema not found" as a misconfigured URL', async () => {
      const client = new ConfluentRegistry({ url: `${reg.url}/not-the-registry`, env: {} });
      const err = await rejection(client.typeFor(1));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('is the URL a schema registry?');
    });

    it('non-Avro schemas are incompatible poison records, cached', async () => {
      reg.put(3, 'syntax = "proto3"; message Segment {}', { schemaType: 'PROTOBUF' });
      const serde = await createSerde({ registryUrl: reg.url, env: {} });
      for (let i = 0; i < 2; i++) {
        const err = await rejection(serde.decode(SEGMENT, frame(3, Buffer.from([0]))));
        expect((err as PoisonRecordError).reason).toBe('decode.incompatible-schema');
        expect(err.message).toContain('PROTOBUF');
      }
      expect(reg.count('GET')).toBe(1);
    });
  });

  describe('failures', () => {
    it('a 503 is retriable and is not cached: the next call succeeds', async () => {
      reg.fail({ status: 503, body: { error_code: 50301, message: 'Service Unavailable' } });
      const client = new ConfluentRegistry({ url: reg.url, env: {} });
      const err = await rejection(client.idFor(segmentType(), 'segments'));
      expect(err).toBeInstanceOf(RetriableError);
      expect(isRetriable(err)).toBe(true);
      expect(err.message).toContain('503 Service Unavailable (error_code 50301)');
      expect(await client.idFor(segmentType(), 'segments')).toBe(1);
      expect(reg.count('POST', '/subjects/segments-value/versions')).toBe(1);
    });

    it('a 503 on lookup is retriable, not an unknown id', async () => {
      const producer = await createSerde({ registryUrl: reg.url, env: {} });
      const buf = await producer.encode(SEGMENT, sampleSegment(), 'segments');
      reg.fail({ status: 503, match: (m) => m === 'GET' });
      const consumer = await createSerde({ registryUrl: reg.url, env: {} });
      expect(await rejection(consumer.decode(SEGMENT, buf))).toBeInstanceOf(RetriableError);
      expect(await consumer.decode(SEGMENT, buf)).toEqual(sampleSegment());
    });

    it('a dropped connection is retriable', async () => {
      reg.fail({ reset: true });
      const err = await rejection(new ConfluentRegistry({ url: reg.url, env: {} }).idFor(segmentType(), 'segments'));
      expect(err).toBeInstanceOf(RetriableError);
    });

    it('a registry that is down is retriable and names the address', async () => {
      const gone = await startFakeSchemaRegistry();
      await gone.close();
      const err = await rejection(new ConfluentRegistry({ url: gone.url, env: {} }).typeFor(1));
      expect(err).toBeInstanceOf(RetriableError);
      expect(err.message).toContain('ECONNREFUSED');
      expect(err.message).toContain(gone.url);
    });

    it('a registry that does not answer in time is retriable', async () => {
      const hanging: typeof fetch = (_url, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
      const err = await rejection(new ConfluentRegistry({ url: reg.url, env: {}, timeoutMs: 20, fetch: hanging }).typeFor(1));
      expect(err).toBeInstanceOf(RetriableError);
      expect(err.message).toContain('no answer within 20 ms');
    });

    it('a 409 (incompatible with the subject) is a ConfigError carrying the server message and how to evolve', async () => {
      const message = 'Schema being registered is incompatible with an earlier schema for subject "segments-value"';
      reg.fail({ status: 409, body: { error_code: 409, message }, match: (_m, p) => p.endsWith('/versions') });
      const err = await rejection(createSerde({ registryUrl: reg.url, env: {} }).then((s) => s.encode(SEGMENT, sampleSegment(), 'segments')));
      expect(err).toBeInstanceOf(ConfigError);
      expect(isRetriable(err)).toBe(false);
      expect(err.message).toContain(message);
      expect(err.message).toContain('evolve a schema by adding fields with defaults');
    });

    it('a 422 (invalid schema) is a ConfigError', async () => {
      reg.fail({ status: 422, body: { error_code: 42201, message: 'Invalid schema' } });
      const err = await rejection(new ConfluentRegistry({ url: reg.url, env: {} }).idFor(segmentType(), 'segments'));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('422 Invalid schema (error_code 42201)');
    });

    it('an invalid URL is a ConfigError', () => {
      expect(() => new ConfluentRegistry({ url: 'localhost:8081', env: {} })).toThrow(ConfigError);
      expect(() => new ConfluentRegistry({ url: 'not a url', env: {} })).toThrow(/not a valid absolute URL/);
    });
  });

  describe('basic auth', () => {
    const user = 'svc-humpback';
    const password = 'p@ss:w/rd-s3cret';
    const b64 = Buffer.from(`${user}:${password}`).toString('base64');
    let authReg: FakeSchemaRegistry;
    beforeEach(async () => {
      authReg = await startFakeSchemaRegistry({ auth: { user, password } });
    });
    afterEach(async () => {
      await authReg.close();
    });
    const withUserInfo = (u: string, p: string): string =>
      authReg.url.replace('http://', `http://${encodeURIComponent(u)}:${encodeURIComponent(p)}@`);

    function expectNoSecret(text: string): void {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
      expect(text).not.toContain(b64);
    }

    it('sends credentials from SCHEMA_REGISTRY_USER / SCHEMA_REGISTRY_PASSWORD', async () => {
      const client = new ConfluentRegistry({ url: authReg.url, env: { SCHEMA_REGISTRY_USER: user, SCHEMA_REGISTRY_PASSWORD: password } });
      expect(await client.idFor(segmentType(), 'segments')).toBe(1);
      expect(authReg.requests[0].authorization).toBe(`Basic ${b64}`);
    });

    it('sends credentials from the URL user info, and strips them from the URL', async () => {
      const client = new ConfluentRegistry({ url: withUserInfo(user, password), env: {} });
      expect(await client.idFor(segmentType(), 'segments')).toBe(1);
      expect(client.baseUrl).toBe(authReg.url);
      expect(authReg.requests[0].authorization).toBe(`Basic ${b64}`);
    });

    it('a 401 is a ConfigError that points at the settings without showing the secret', async () => {
      const client = new ConfluentRegistry({ url: withUserInfo(user, 'wrong'), env: {} });
      const err = await rejection(client.idFor(segmentType(), 'segments'));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('401 Unauthorized');
      expect(err.message).toContain('SCHEMA_REGISTRY_USER');
      expect(err.message).not.toContain('wrong@');
    });

    it('never puts credentials in error messages or in an inspected client', async () => {
      const url = withUserInfo(user, password);
      const client = new ConfluentRegistry({ url, env: {} });
      const errors: Error[] = [];
      authReg.fail({ status: 503 });
      errors.push(await rejection(client.idFor(segmentType(), 'segments')));
      authReg.fail({ reset: true });
      errors.push(await rejection(client.typeFor(5)));
      authReg.fail({ status: 400, body: { error_code: 400, message: 'bad request' } });
      errors.push(await rejection(client.idFor(segmentType(), 'segments')));
      const gone = await startFakeSchemaRegistry();
      await gone.close();
      errors.push(await rejection(new ConfluentRegistry({ url: gone.url.replace('http://', `http://${user}:${encodeURIComponent(password)}@`), env: {} }).typeFor(6)));
      for (const err of errors) {
        expectNoSecret(err.message);
        expectNoSecret(util.inspect(err, { depth: 5 }));
      }
      expectNoSecret(util.inspect(client, { depth: 5, showHidden: true }));
      expectNoSecret(JSON.stringify(client));
      expect(() => new ConfluentRegistry({ url: `http://${user}:${password}@:bad`, env: {} })).toThrow(ConfigError);
      try {
        new ConfluentRegistry({ url: `http://${user}:${password}@:bad`, env: {} });
      } catch (err) {
        expectNoSecret((err as Error).message);
      }
    });

    it('refuses a user without a password', () => {
      expect(() => new ConfluentRegistry({ url: authReg.url, env: { SCHEMA_REGISTRY_USER: user } })).toThrow(/SCHEMA_REGISTRY_PASSWORD is not/);
    });
  });
});
