import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseJaasConfig } from '../../src/kafka/security/jaas';
import { javaClientProperties } from '../../src/kafka/security/javaClientProperties';
import { kafkajsSecurity } from '../../src/kafka/security/kafkajsOptions';
import { formatProperties, parseProperties } from '../../src/kafka/security/properties';
import { resolveClientConfig } from '../../src/kafka/security/clientConfig';
import { parseTopology, resolveTopology } from '../../src/topology/loader';
import { makeCa, makeCert } from '../helpers/certificates';

/** The client config as Kafka users write it: a properties file, the topology's kafka block, the environment. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-client-config-'));
const ca = makeCa(dir, 'ca');
const client = makeCert(dir, ca, 'client');
const lockedClient = makeCert(dir, ca, 'locked', { passphrase: 'key-pass-1' });

function propertiesFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('Java properties files', () => {
  test('comments, the three separators, continued lines, escapes; a later key wins', () => {
    const text = [
      '# a comment',
      '! another',
      'a=1',
      'b : 2',
      'c 3',
      'long=first \\',
      '     second',
      'esc=tab\\there\\u0041',
      'a=again',
      '   ',
    ].join('\n');
    expect(parseProperties(text).map((p) => [p.key, p.value, p.line])).toEqual([
      ['b', '2', 4],
      ['c', '3', 5],
      ['long', 'first second', 6],
      ['esc', 'tab\there\u0041', 8],
      ['a', 'again', 9],
    ]);
  });

  test('what formatProperties writes reads back the same, line breaks and backslashes included', () => {
    const entries: Array<[string, string]> = [['ssl.keystore.key', '-----BEGIN X-----\nab\\c\n-----END X-----'], ['empty', ''], ['lead', ' space']];
    expect(parseProperties(formatProperties(entries)).map((p) => [p.key, p.value])).toEqual(entries);
  });
});

describe('sasl.jaas.config', () => {
  test.each([
    ['org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3\\"cret";', 'ScramLoginModule', { username: 'alice', password: 's3"cret' }],
    ["org.apache.kafka.common.security.plain.PlainLoginModule required username='KEY' password='SECRET';", 'PlainLoginModule', { username: 'KEY', password: 'SECRET' }],
    ['org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;', 'OAuthBearerLoginModule', {}],
    ['ScramLoginModule required username=bob password=pw', 'ScramLoginModule', { username: 'bob', password: 'pw' }],
  ])('%s', (text, module, options) => {
    expect(parseJaasConfig(text)).toEqual({ module, options });
  });

  test('text that is not one JAAS entry is refused', () => {
    expect(parseJaasConfig('username="alice" password="x"')).toBeUndefined();
    expect(parseJaasConfig('ScramLoginModule required username="alice" trailing junk "')).toBeUndefined();
  });
});

describe('resolveClientConfig', () => {
  test('nothing configured: PLAINTEXT, no TLS or SASL, no compression', () => {
    const c = resolveClientConfig({}, {});
    expect({ protocol: c.protocol, brokers: c.brokers, sasl: c.sasl, tls: c.tls, compression: c.compression }).toEqual({
      protocol: 'PLAINTEXT',
      brokers: [],
      sasl: undefined,
      tls: undefined,
      compression: 'none',
    });
    expect(kafkajsSecurity(c)).toEqual({ ssl: undefined, sasl: undefined });
  });

  test("a Confluent Cloud style client.properties (Java keys, JAAS line, producer and consumer keys it does not use)", () => {
    const file = propertiesFile(
      'ccloud.properties',
      [
        'bootstrap.servers=pkc-1.example.cloud:9092',
        'security.protocol=SASL_SSL',
        'sasl.mechanism=PLAIN',
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='APIKEY' password='APISECRET';",
        'client.dns.lookup=use_all_dns_ips',
        'session.timeout.ms=45000',
        'acks=all',
      ].join('\n'),
    );
    const c = resolveClientConfig({}, { KAFKA_CONFIG: file });
    expect(c.protocol).toBe('SASL_SSL');
    expect(c.brokers).toEqual(['pkc-1.example.cloud:9092']);
    expect(c.sasl).toEqual({ mechanism: 'PLAIN', username: 'APIKEY', password: 'APISECRET' });
    expect(c.tls).toEqual({ ca: undefined, verifyHostname: true, verifyCertificate: true });
    expect(c.settings.ignored).toEqual(['client.dns.lookup', 'session.timeout.ms', 'acks']);
    expect(kafkajsSecurity(c).sasl).toEqual({ mechanism: 'plain', username: 'APIKEY', password: 'APISECRET' });
  });

  test('layers: the topology names the mechanism and user, the file the CA, the environment the password (over the JAAS one)', () => {
    const file = propertiesFile(
      'layers.properties',
      ['security.protocol=SASL_SSL', `ssl.ca.location=${ca.cert}`, 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="old";'].join('\n'),
    );
    const topology = { 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'bob' };
    const c = resolveClientConfig(topology, { KAFKA_CONFIG: file, KAFKA_SASL_PASSWORD: 'from-env' });
    expect(c.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'from-env' });
    expect(c.tls?.ca).toEqual([fs.readFileSync(ca.cert, 'utf8').trim()]);
    expect(c.settings.get('sasl.password')?.origin).toBe('$KAFKA_SASL_PASSWORD');
    expect(c.settings.get('sasl.mechanism')?.origin).toBe("the topology's kafka.sasl.mechanism");
    expect(c.settings.get('ssl.ca.location')?.origin).toBe(`${file}:2`);
  });

  test("librdkafka's spellings: sasl.mechanisms, sasl.username/password, ssl.ca.location; hostname check off", () => {
    const c = resolveClientConfig(
      { 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'scram-sha-256', 'sasl.username': 'u', 'ssl.ca.location': ca.cert, 'ssl.endpoint.identification.algorithm': '' },
      { KAFKA_SASL_PASSWORD: 'p' },
    );
    expect(c.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' });
    expect(c.tls).toMatchObject({ verifyHostname: false, verifyCertificate: true });
    const ssl = kafkajsSecurity(c).ssl;
    expect(ssl?.checkServerIdentity).toEqual(expect.any(Function)); // replaces Node's host name check
    expect(ssl?.rejectUnauthorized).toBe(true);
    expect(kafkajsSecurity(resolveClientConfig({ 'security.protocol': 'SSL' }, {})).ssl).not.toHaveProperty('checkServerIdentity');
  });

  test('mTLS three ways: separate PEM files (encrypted key), a Java PEM keystore, a PKCS#12 keystore', () => {
    const separate = resolveClientConfig(
      { 'security.protocol': 'SSL', 'ssl.ca.location': ca.cert, 'ssl.certificate.location': lockedClient.cert, 'ssl.key.location': lockedClient.key },
      { KAFKA_SSL_KEY_PASSWORD: 'key-pass-1' },
    );
    expect(separate.tls).toMatchObject({ cert: fs.readFileSync(lockedClient.cert, 'utf8').trim(), passphrase: 'key-pass-1' });
    expect(separate.tls?.key).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);

    const pem = resolveClientConfig({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': ca.cert, 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': client.keystore }, {});
    expect(pem.tls).toMatchObject({ cert: fs.readFileSync(client.cert, 'utf8').trim(), key: fs.readFileSync(client.key, 'utf8').trim() });

    const p12 = path.join(dir, 'client.p12');
    execFileSync('openssl', ['pkcs12', '-export', '-in', client.cert, '-inkey', client.key, '-out', p12, '-passout', 'pass:store-pass']);
    const pkcs12 = resolveClientConfig({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': p12 }, { KAFKA_SSL_KEYSTORE_PASSWORD: 'store-pass' });
    expect(pkcs12.tls?.pfx).toEqual(fs.readFileSync(p12));
    expect(kafkajsSecurity(pkcs12).ssl).toMatchObject({ passphrase: 'store-pass' });
  });

  test('OAUTHBEARER: the token from a file or from a command, asked again at each login', async () => {
    const tokenFile = path.join(dir, 'token.jwt');
    fs.writeFileSync(tokenFile, 'token-one\n');
    const fromFile = kafkajsSecurity(resolveClientConfig({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.file': tokenFile }, {})).sasl;
    expect(fromFile?.mechanism).toBe('oauthbearer');
    const provider = fromFile && 'oauthBearerProvider' in fromFile ? fromFile.oauthBearerProvider : undefined;
    expect(await provider?.()).toEqual({ value: 'token-one' });
    fs.writeFileSync(tokenFile, 'token-two\n'); // rotated
    expect(await provider?.()).toEqual({ value: 'token-two' });

    const fromCommand = kafkajsSecurity(resolveClientConfig({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.command': 'printf "%s" cmd-token' }, {})).sasl;
    expect(fromCommand && 'oauthBearerProvider' in fromCommand ? await fromCommand.oauthBearerProvider() : undefined).toEqual({ value: 'cmd-token' });
  });

  test('compression.type=gzip compresses produced records', () => {
    expect(resolveClientConfig({ 'compression.type': 'gzip' }, {}).compression).toBe('gzip');
  });

  test("the topology's kafka block carries client settings beside clientId", () => {
    const t = resolveTopology(parseTopology(`version: 1\nname: t\nkafka:\n  clientId: c\n  security.protocol: SASL_SSL\n  sasl.mechanism: SCRAM-SHA-512\ntopics: []\n`, 't.yaml'));
    expect(t.clientId).toBe('c');
    expect(t.kafka).toEqual({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512' });
  });
});

describe("Kafka's own tools get the same config as a properties file", () => {
  test('SASL_SSL with SCRAM: the JAAS line and the CA inline, read back as Java would', () => {
    const c = resolveClientConfig({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'alice', 'ssl.ca.location': ca.cert }, { KAFKA_SASL_PASSWORD: 'pa"ss' });
    const props = new Map(parseProperties(javaClientProperties(c)).map((p) => [p.key, p.value]));
    expect(props.get('security.protocol')).toBe('SASL_SSL');
    expect(props.get('sasl.mechanism')).toBe('SCRAM-SHA-512');
    expect(parseJaasConfig(props.get('sasl.jaas.config') ?? '')).toEqual({ module: 'ScramLoginModule', options: { username: 'alice', password: 'pa"ss' } });
    expect(props.get('ssl.truststore.type')).toBe('PEM');
    expect(props.get('ssl.truststore.certificates')).toBe(fs.readFileSync(ca.cert, 'utf8').trim());
  });

  test('mTLS: the client certificate and its key as a PEM keystore, the key kept encrypted', () => {
    const c = resolveClientConfig(
      { 'security.protocol': 'SSL', 'ssl.ca.location': ca.cert, 'ssl.certificate.location': lockedClient.cert, 'ssl.key.location': lockedClient.key },
      { KAFKA_SSL_KEY_PASSWORD: 'key-pass-1' },
    );
    const props = new Map(parseProperties(javaClientProperties(c)).map((p) => [p.key, p.value]));
    expect(props.get('ssl.keystore.type')).toBe('PEM');
    expect(props.get('ssl.keystore.certificate.chain')).toBe(fs.readFileSync(lockedClient.cert, 'utf8').trim());
    expect(props.get('ssl.keystore.key')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(props.get('ssl.key.password')).toBe('key-pass-1');
  });
});
