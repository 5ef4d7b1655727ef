/**
 * The operator commands of the README, run as written with Debian's kcat: topics and partitions,
 * keys with partitions and offsets, headers; Avro values through `humpback topics read` (Debian's
 * kcat has no Avro support); and one librdkafka-style client file shared by humpback and `kcat -F`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readToEnd } from '../../src/kafka/readToEnd';
import { runCli } from '../helpers/cli';
import { pipelineFolder, ROOT } from '../helpers/cliPipeline';
import { kcat } from '../helpers/kcat';
import { testBrokers, testKafka, uniqueName } from '../helpers/kafka';
import { SASL_USER, secureTestBroker } from '../helpers/secureBroker';

const PAGES = ['general.html', 'design.html', 'library.html'].map((f) => path.join(ROOT, 'samples', 'corpus', 'faq', f));

it("kcat -L, keys and offsets, headers; values through humpback topics read", async () => {
  const folder = pipelineFolder(uniqueName('kcat'));
  const topic = folder.t('documents');
  const ingest = await runCli(['ingest', ...PAGES, '--topology', folder.topologyFile, '--topic', topic, '--dlq', folder.t('ingest.dlq')], { HUMPBACK_LOG_LEVEL: 'warn' });
  expect(ingest.code).toBe(0);
  const records = await readToEnd(testKafka(), topic, uniqueName('truth'));
  expect(records).toHaveLength(3);
  const broker = testBrokers()[0];

  const list = await kcat(['-b', broker, '-L']);
  expect(list.code).toBe(0);
  expect(list.stdout).toContain(`topic "${topic}" with 4 partitions`);

  const keys = await kcat(['-b', broker, '-C', '-t', topic, '-e', '-q', '-f', '%p:%o %k\n']);
  expect(keys.code).toBe(0);
  expect(keys.stdout.trim().split('\n').sort()).toEqual(records.map((r) => `${r.partition}:${r.offset} ${r.key?.toString()}`).sort());

  const headers = await kcat(['-b', broker, '-C', '-t', topic, '-e', '-q', '-f', '%k %h\n']);
  for (const line of headers.stdout.trim().split('\n')) expect(line).toMatch(/^[0-9a-f]{64} humpback-ingested-at=\d{13}$/);

  const read = await runCli(['topics', 'read', topic, '--topology', folder.topologyFile]);
  const values = read.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: { doc_id: string; content_type: string } });
  expect(values.map((v) => v.value.doc_id).sort()).toEqual(records.map((r) => r.key?.toString()).sort());
  expect(values.every((v) => v.key === v.value.doc_id && v.value.content_type === 'text/html')).toBe(true);
}, 180_000);

it('one client file with librdkafka keys serves humpback --kafka-config and kcat -F against SASL_SSL', async () => {
  const broker = await secureTestBroker();
  const folder = pipelineFolder(uniqueName('kcat-sasl'));
  const file = path.join(folder.dir, 'client.properties');
  fs.writeFileSync(
    file,
    [
      `bootstrap.servers=${broker.saslSsl}`,
      'security.protocol=SASL_SSL',
      'sasl.mechanisms=SCRAM-SHA-512',
      `sasl.username=${SASL_USER.name}`,
      `sasl.password=${SASL_USER.password}`,
      `ssl.ca.location=${broker.ca.cert}`,
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  const apply = await runCli(['topics', 'apply', '--topology', folder.topologyFile, '--kafka-config', file], { KAFKA_BROKERS: '' });
  expect(apply.stderr).toBe('');
  expect(apply.code).toBe(0);
  const list = await kcat(['-F', file, '-L']);
  expect(list.code).toBe(0);
  expect(list.stdout).toContain(`topic "${folder.t('documents')}" with 4 partitions`);
}, 120_000);
