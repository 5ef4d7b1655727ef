/**
 * The pipeline through the CLI against a broker that demands TLS and SASL, as a real cluster does:
 * ingest -> run --until-drained -> snapshot through a SASL_SSL listener (SCRAM-SHA-512, the password
 * from the environment) and again through an SSL listener requiring a client certificate (mTLS), with
 * a Java-style client properties file (KAFKA_CONFIG / --kafka-config). The secret never shows in logs
 * (debug level, kafkajs' too), metrics, records (dead letters included) or snapshot files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../src/kafka/brokers';
import { connectKafka } from '../../src/kafka/connect';
import { pickFreePort } from '../../src/dev/broker/ports';
import { resolveClientConfig } from '../../src/kafka/security/clientConfig';
import { createLogger } from '../../src/core/logger';
import { runCli, startCli } from '../helpers/cli';
import { fakeModel, isScoring, pipelineFolder, questionNumber, ROOT } from '../helpers/cliPipeline';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../helpers/fakeOpenAiServer';
import { uniqueName } from '../helpers/kafka';
import { topicRecordCount } from '../helpers/pipeline';
import { SASL_USER, secureTestBroker, type SecureBroker } from '../helpers/secureBroker';
import { manifestProblems, readSnapshots } from '../helpers/snapshots';

const FAQ = path.join(ROOT, 'samples', 'corpus', 'faq');
const quiet = createLogger({ component: 'kafkajs' }, 'error');

let broker: SecureBroker;
let llm: FakeOpenAiServer;
beforeAll(async () => {
  broker = await secureTestBroker();
  // Score 5 for every third question; no score line at all for every seventh (dead letters, which
  // carry error messages and raw answers: a leak would show there).
  const model = fakeModel((n) => (n % 3 === 0 ? 5 : 2));
  llm = await startFakeOpenAiServer({ respond: (req) => (isScoring(req) && (questionNumber(req.prompt) ?? 0) % 7 === 0 ? 'I would rather not rate this.' : model(req)) });
}, 120_000);
afterAll(async () => {
  await llm.close();
});

function writeConfig(dir: string, lines: string[]): string {
  const file = path.join(dir, 'client.properties');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function saslLines(): string[] {
  return [`bootstrap.servers=${broker.saslSsl}`, 'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', `sasl.username=${SASL_USER.name}`, `ssl.ca.location=${broker.ca.cert}`];
}

function mtlsLines(): string[] {
  return [`bootstrap.servers=${broker.ssl}`, 'security.protocol=SSL', `ssl.ca.location=${broker.ca.cert}`, `ssl.certificate.location=${broker.client.cert}`, `ssl.key.location=${broker.client.key}`];
}

/** A client of the secure broker for the test's own reads, made the way commands make theirs. */
function secureKafka(configFile: string, env: NodeJS.ProcessEnv): Kafka {
  const config = resolveClientConfig({}, { ...env, KAFKA_CONFIG: configFile });
  return createKafka(config.brokers, uniqueName('secure-test'), quiet, config);
}

/** One line with the pipeline's counts, for the log: what went through the secure listener. */
async function reportCounts(listener: string, kafka: Kafka, t: (name: string) => string, examples: number): Promise<void> {
  const names = ['documents', 'segments', 'candidates', 'scored', 'score.dlq', 'curated.tier5'];
  const counts = await Promise.all(names.map(async (n) => `${n} ${await topicRecordCount(kafka, t(n))}`));
  process.stderr.write(`${listener} pipeline: ${counts.join(', ')}; snapshot ${examples} examples\n`);
}

/** Every record of every topic of the namespace, keys, values and headers, as one buffer to search. */
async function allBytes(kafka: Kafka, prefix: string): Promise<Buffer> {
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.disconnect();
  const chunks: Buffer[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('secret-scan') });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let total = 0;
  for (const t of topics) total += await topicRecordCount(kafka, t);
  await new Promise<void>((resolve) => {
    if (total === 0) resolve();
    void consumer.run({
      eachMessage: async ({ message }) => {
        chunks.push(message.key ?? Buffer.alloc(0), message.value ?? Buffer.alloc(0), ...Object.values(message.headers ?? {}).map((h) => Buffer.from(String(h))));
        total -= 1;
        if (total === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  return Buffer.concat(chunks);
}

it('ingest -> run -> snapshot through SASL_SSL with SCRAM-SHA-512; the password shows up nowhere', async () => {
  const ns = uniqueName('sasl');
  const folder = pipelineFolder(ns);
  const config = writeConfig(folder.dir, saslLines());
  const env = { KAFKA_SASL_PASSWORD: SASL_USER.password, HUMPBACK_LLM_BASE_URL: llm.url, HUMPBACK_LLM_MODEL: 'fake', KAFKA_BROKERS: '' };
  const { t } = folder;
  const debug = { ...env, HUMPBACK_LOG_LEVEL: 'debug', KAFKAJS_LOG_LEVEL: 'DEBUG' };

  const ingest = await runCli(['ingest', FAQ, '--topology', folder.topologyFile, '--topic', t('documents'), '--dlq', t('ingest.dlq'), '--kafka-config', config], debug);
  expect(ingest.stderr).toContain('SASL SCRAM SHA512 authentication successful'); // kafkajs' debug lines about the login are there...
  expect(ingest.code).toBe(0);

  const metricsPort = await pickFreePort();
  const run = startCli(['run', '--topology', folder.topologyFile, '--until-drained', '--metrics-port', String(metricsPort)], { ...env, KAFKA_CONFIG: config, HUMPBACK_LOG_LEVEL: 'debug' });
  let metrics = '';
  const scrape = setInterval(() => {
    fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).then((text) => (metrics = text), () => undefined);
  }, 200);
  const ran = await run.exited.finally(() => clearInterval(scrape));
  expect(run.stderr()).not.toMatch(/ ERROR /);
  expect(ran.code).toBe(0);

  const snap = await runCli(['snapshot', '--topology', folder.topologyFile, '--kafka-config', config], debug);
  expect(snap.code).toBe(0);

  const kafka = secureKafka(config, env);
  const segments = await topicRecordCount(kafka, t('segments'));
  expect(segments).toBeGreaterThan(10);
  expect(llm.requests.filter((r) => !isScoring(r)).length).toBeGreaterThanOrEqual(segments);
  const curated = await topicRecordCount(kafka, t('curated.tier5'));
  expect(curated).toBeGreaterThan(0);
  expect(await topicRecordCount(kafka, t('score.dlq'))).toBeGreaterThan(0);
  const [snapshot] = readSnapshots(folder.outDir);
  expect(manifestProblems(snapshot.dir)).toEqual([]);
  expect(snapshot.manifest.counts.augmented).toBe(curated);
  expect(metrics).toContain('humpback_records_consumed_total');
  await reportCounts('SASL_SSL (SCRAM-SHA-512)', kafka, t, snapshot.manifest.counts.examples);

  // ...but not the password: not in any output, metrics, record of any topic, or snapshot file.
  const secret = SASL_USER.password;
  for (const text of [ingest.stdout, ingest.stderr, run.stdout(), run.stderr(), snap.stdout, snap.stderr, metrics]) expect(text).not.toContain(secret);
  expect((await allBytes(kafka, `${ns}.`)).includes(secret)).toBe(false);
  for (const file of fs.readdirSync(snapshot.dir, { recursive: true, encoding: 'utf8' })) {
    const full = path.join(snapshot.dir, file);
    if (fs.statSync(full).isFile()) expect(fs.readFileSync(full).includes(secret)).toBe(false);
  }
}, 300_000);

it('the same pipeline through mTLS; status, topics read and kafka consumer-groups use the same config', async () => {
  const ns = uniqueName('mtls');
  const folder = pipelineFolder(ns);
  const config = writeConfig(folder.dir, mtlsLines());
  const env = { KAFKA_CONFIG: config, HUMPBACK_LLM_BASE_URL: llm.url, HUMPBACK_LLM_MODEL: 'fake', HUMPBACK_LOG_LEVEL: 'warn', KAFKA_BROKERS: '' };
  const { t } = folder;

  expect((await runCli(['ingest', FAQ, '--topology', folder.topologyFile, '--topic', t('documents'), '--dlq', t('ingest.dlq')], env)).code).toBe(0);
  const run = await runCli(['run', '--topology', folder.topologyFile, '--until-drained'], env);
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  const snap = await runCli(['snapshot', '--topology', folder.topologyFile], env);
  expect(snap.code).toBe(0);

  const kafka = secureKafka(config, env);
  const [snapshot] = readSnapshots(folder.outDir);
  expect(manifestProblems(snapshot.dir)).toEqual([]);
  expect(snapshot.manifest.counts.augmented).toBe(await topicRecordCount(kafka, t('curated.tier5')));
  await reportCounts('mTLS', kafka, t, snapshot.manifest.counts.examples);

  const status = await runCli(['status', '--topology', folder.topologyFile, '--json', '--sample-seconds', '0'], env);
  expect(status.code).toBe(0);
  const rows = (JSON.parse(status.stdout) as { stages: Array<{ stage: string; lag: number }> }).stages;
  expect(rows.find((r) => r.stage === 'score')?.lag).toBe(0);

  const read = await runCli(['topics', 'read', t('curated.tier5'), '--topology', folder.topologyFile, '--limit', '1'], env);
  expect(JSON.parse(read.stdout)).toMatchObject({ value: { source: 'augmented', tier: 5 } });

  const groups = await runCli(['kafka', 'consumer-groups', '--topology', folder.topologyFile, '--describe', '--group', t('score')], env);
  expect(groups.code).toBe(0);
  expect(groups.stdout).toMatch(new RegExp(`${t('score').replace(/\./g, '\\.')} +${t('candidates').replace(/\./g, '\\.')} +\\d+ +\\d+ +\\d+ +0 `));
}, 300_000);

it('every mechanism the SASL_SSL listener enables logs in: PLAIN, SCRAM-SHA-256, OAUTHBEARER with a token file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mechanisms-'));
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const tokenFile = path.join(dir, 'token.jwt');
  // Kafka's development validator takes unsigned tokens ("alg":"none") with a subject and an expiry.
  fs.writeFileSync(tokenFile, `${part({ alg: 'none' })}.${part({ sub: SASL_USER.name, iat: now, exp: now + 3600 })}.`);
  const base = { 'bootstrap.servers': broker.saslSsl, 'security.protocol': 'SASL_SSL', 'ssl.ca.location': broker.ca.cert };
  const blocks = [
    { ...base, 'sasl.mechanism': 'PLAIN', 'sasl.username': SASL_USER.name },
    { ...base, 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.username': SASL_USER.name },
    { ...base, 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.file': tokenFile },
  ];
  const saved = { ...process.env };
  Object.assign(process.env, { KAFKA_SASL_PASSWORD: SASL_USER.password, KAFKA_BROKERS: '' });
  delete process.env.KAFKA_CONFIG;
  try {
    for (const block of blocks) {
      const { kafka } = await connectKafka({ clientId: uniqueName('mech'), kafka: block }, quiet);
      const admin = kafka.admin();
      await admin.connect();
      expect((await admin.describeCluster()).brokers).toHaveLength(1);
      await admin.disconnect();
    }
  } finally {
    process.env = saved;
  }
}, 60_000);
