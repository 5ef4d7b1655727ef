/**
 * Against a real schema registry (Apicurio Registry 3.3.3 from Maven Central, its Confluent API):
 * the pipeline through the CLI registers each topic's schema under Confluent's default subject
 * <topic>-value, made BACKWARD compatible; a consumer written with confluent-kafka's
 * AvroDeserializer (Python) reads every topic written by its subject, all of it; and a schema
 * evolves by a field added with a default, old and new readers reading each other's records.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSerde } from '../../src/kafka/serde/avroSerde';
import { defaultSchemaDir } from '../../src/kafka/serde/schemas';
import { unframe } from '../../src/kafka/serde/wire';
import { ConfigError } from '../../src/core/errors';
import { startApicurio, type Apicurio } from '../helpers/apicurio';
import { runCli } from '../helpers/cli';
import { fakeModel, pipelineFolder, ROOT } from '../helpers/cliPipeline';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { createTopics, testBrokers, testKafka, uniqueName } from '../helpers/kafka';
import { produceRecords, topicRecordCount } from '../helpers/pipeline';
import { suitePython } from '../helpers/pythonVenv';
import { sampleSegment } from '../helpers/sampleRecords';

const CONSUMER = path.join(__dirname, '..', 'helpers', 'avro_consumer.py');
const kafka = testKafka();

let registry: Apicurio;
let python: string;
let llm: FakeOpenAiServer;
beforeAll(async () => {
  [registry, python] = await Promise.all([startApicurio(), suitePython()]);
  process.stderr.write(`Apicurio Registry ready in ${registry.startMs} ms at ${registry.url}\n`);
  llm = await startFakeOpenAiServer({ respond: fakeModel((n) => (n % 3 === 0 ? 5 : 4)) });
}, 900_000);
afterAll(async () => {
  await llm?.close();
  await registry?.close();
});

interface PythonResult {
  topic: string;
  subject: string;
  schema_id: number;
  version: number;
  records: number;
  decoded: number;
  failed: number;
  errors: string[];
  decode_seconds: number;
}

function pythonConsumer(topics: string[]): Promise<PythonResult[]> {
  return new Promise((resolve, reject) =>
    execFile(python, [CONSUMER, testBrokers().join(','), registry.url, ...topics], { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${CONSUMER} failed (${err.killed ? `killed by ${err.signal} after the timeout` : `exit ${err.code}`}):\nstdout:\n${stdout}\nstderr:\n${stderr}\nregistry ${registry.logTail()}`))
        : resolve(stdout.trim().split('\n').map((l) => JSON.parse(l) as PythonResult)),
    ),
  );
}

async function registryGet<T>(url: string): Promise<T> {
  const res = await fetch(`${registry.url}${url}`);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

it('the pipeline registers <topic>-value, BACKWARD, for every topic it writes; the Python AvroDeserializer decodes them all by subject', async () => {
  const ns = uniqueName('registry');
  const folder = pipelineFolder(ns);
  const env = { SCHEMA_REGISTRY_URL: registry.url, HUMPBACK_LLM_BASE_URL: llm.url, HUMPBACK_LLM_MODEL: 'fake', HUMPBACK_LOG_LEVEL: 'warn' };
  const ingest = await runCli(['ingest', path.join(ROOT, 'samples', 'corpus', 'faq'), '--topology', folder.topologyFile, '--topic', folder.t('documents'), '--dlq', folder.t('ingest.dlq')], env);
  expect(ingest.code).toBe(0);
  const run = await runCli(['run', '--topology', folder.topologyFile, '--until-drained'], env);
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expect((await runCli(['snapshot', '--topology', folder.topologyFile], env)).code).toBe(0);

  const admin = kafka.admin();
  await admin.connect();
  const all = (await admin.listTopics()).filter((t) => t.startsWith(`${ns}.`));
  await admin.disconnect();
  const written: string[] = [];
  for (const t of all) if ((await topicRecordCount(kafka, t)) > 0) written.push(t);
  expect(written.sort()).toEqual(['candidates', 'curated.tier4', 'curated.tier5', 'documents', 'scored', 'segments', 'segments.raw', 'segments.seen'].map(folder.t).sort());

  const subjects = await registryGet<string[]>('/subjects');
  for (const t of written) {
    expect(subjects).toContain(`${t}-value`);
    expect(await registryGet(`/config/${t}-value`)).toMatchObject({ compatibilityLevel: 'BACKWARD' });
  }
  expect(subjects.filter((s) => s.startsWith(ns) && !s.endsWith('-value'))).toEqual([]); // no record-name subjects

  const results = await pythonConsumer(written);
  for (const r of results) {
    expect({ topic: r.topic, failed: r.failed, errors: r.errors }).toEqual({ topic: r.topic, failed: 0, errors: [] });
    expect(r.decoded).toBe(await topicRecordCount(kafka, r.topic));
  }
  const records = results.reduce((n, r) => n + r.records, 0);
  const seconds = results.reduce((s, r) => s + r.decode_seconds, 0);
  process.stderr.write(`Python AvroDeserializer: ${records} records of ${results.length} topics decoded, 0 failed, ${Math.round(records / seconds)} records/s of decode time\n`);

  const read = await runCli(['topics', 'read', folder.t('curated.tier5'), '--topology', folder.topologyFile, '--limit', '1'], env);
  expect(JSON.parse(read.stdout)).toMatchObject({ value: { tier: 5, source: 'augmented' } });
}, 600_000);

/** schemas/ with Segment given one more field: optional with a default (compatible) or required (not). */
function schemaDirWithExtraField(field: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-schemas-'));
  for (const f of fs.readdirSync(defaultSchemaDir())) {
    if (f.endsWith('.avsc')) fs.copyFileSync(path.join(defaultSchemaDir(), f), path.join(dir, f));
  }
  const segment = JSON.parse(fs.readFileSync(path.join(dir, 'Segment.avsc'), 'utf8')) as { fields: object[] };
  segment.fields.push(field);
  fs.writeFileSync(path.join(dir, 'Segment.avsc'), JSON.stringify(segment));
  return dir;
}

it('evolution: a field added with a default is a new version both old and new readers read; one without a default is refused', async () => {
  const topic = uniqueName('evolve');
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [topic]);
  await admin.disconnect();
  const old = await createSerde({ registryUrl: registry.url, env: {} });
  const next = await createSerde({ registryUrl: registry.url, env: {}, schemaDir: schemaDirWithExtraField({ name: 'reviewer', type: ['null', 'string'], default: null, doc: 'Added later.' }) });

  const fromOld = await old.encode('humpback.Segment', sampleSegment({ text: 'written by the old schema' }), topic);
  const reviewed = { ...sampleSegment({ text: 'written by the new schema' }), reviewer: 'ana' }; // a value of the new schema
  const fromNew = await next.encode('humpback.Segment', reviewed, topic);
  expect(unframe(fromNew).id).not.toBe(unframe(fromOld).id);
  expect(await registryGet<number[]>(`/subjects/${topic}-value/versions`)).toEqual([1, 2]);

  // New reader, old record: the added field takes its default. Old reader, new record: the field is skipped.
  expect(await next.decode('humpback.Segment', fromOld)).toEqual({ ...sampleSegment({ text: 'written by the old schema' }), reviewer: null });
  expect({ ...(await old.decode('humpback.Segment', fromNew)) }).toEqual(sampleSegment({ text: 'written by the new schema' }));

  // A required field without a default would leave new readers unable to read old records: BACKWARD refuses it.
  const breaking = await createSerde({ registryUrl: registry.url, env: {}, schemaDir: schemaDirWithExtraField({ name: 'required_field', type: 'string' }) });
  const required = { ...sampleSegment(), required_field: 'x' };
  const refused = await breaking.encode('humpback.Segment', required, topic).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(ConfigError);
  expect((refused as Error).message).toMatch(/409 .*evolve a schema by adding fields with defaults/);

  // A Python consumer with the subject's latest schema reads records of both versions.
  await produceRecords(kafka, old, topic, 'humpback.Segment', [{ key: 'a', raw: fromOld }, { key: 'b', raw: fromNew }]);
  const [result] = await pythonConsumer([topic]);
  expect(result).toMatchObject({ subject: `${topic}-value`, version: 2, records: 2, decoded: 2, failed: 0 });
}, 300_000);
