import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/core/errors';
import { resolveClientConfig } from '../../src/kafka/security/clientConfig';
import { javaClientProperties } from '../../src/kafka/security/javaClientProperties';
import { accessProblem } from '../../src/kafka/security/preflight';
import { parseTopology, TopologyError } from '../../src/topology/loader';
import { makeCa, makeCert } from '../helpers/certificates';

/**
 * Misconfigured Kafka clients: every mistake is one ConfigError line naming the setting, where it
 * came from and the fix, and no message ever holds a secret.
 */

const SECRET = 'pw-SECRET-4711';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-client-errors-'));
const ca = makeCa(dir, 'ca');
const locked = makeCert(dir, ca, 'locked', { passphrase: SECRET });

function file(name: string, lines: string[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, lines.join('\n'));
  return f;
}

function failure(block: Record<string, string>, env: NodeJS.ProcessEnv): string {
  try {
    resolveClientConfig(block, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain(SECRET);
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('no error');
}

const jks = path.join(dir, 'truststore.jks');
fs.writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
const scram = (password = SECRET) => `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${password}";`;

test.each<[string, Record<string, string>, NodeJS.ProcessEnv, RegExp]>([
  ['an unreadable KAFKA_CONFIG', {}, { KAFKA_CONFIG: path.join(dir, 'missing.properties') }, /cannot read the Kafka client config .*missing\.properties \(ENOENT\)\. Fix: check KAFKA_CONFIG/],
  ['a protocol Kafka does not have', {}, { KAFKA_CONFIG: file('proto.properties', ['# x', 'security.protocol=SASL_TLS']) }, /proto\.properties:2: security\.protocol: "SASL_TLS" is not supported\. Fix: use one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL$/],
  ['Amazon MSK IAM', {}, { KAFKA_CONFIG: file('msk.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=AWS_MSK_IAM']) }, /sasl\.mechanism: AWS_MSK_IAM is not supported\. Fix: .*kafkajs 2\.2\.4's own 'aws' mechanism is another protocol.*SCRAM-SHA-512.*mTLS/],
  ['SASL without a mechanism', { 'security.protocol': 'SASL_SSL' }, {}, /security\.protocol SASL_SSL needs sasl\.mechanism .*Fix: set sasl\.mechanism=SCRAM-SHA-512/],
  ['a mechanism on a plaintext protocol', { 'sasl.mechanism': 'PLAIN' }, {}, /sasl\.mechanism is set \(the topology's kafka\.sasl\.mechanism\) but security\.protocol is PLAINTEXT\. Fix: set security\.protocol=SASL_SSL/],
  ['a JAAS line for another mechanism', {}, { KAFKA_CONFIG: file('jaas.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', `sasl.jaas.config=${scram()}`]) }, /sasl\.jaas\.config \(.*jaas\.properties:3\) uses ScramLoginModule but sasl\.mechanism is PLAIN\. Fix: use org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule/],
  ['a JAAS line that does not parse (never echoed)', {}, { KAFKA_CONFIG: file('bad-jaas.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', `sasl.jaas.config=username="alice" password="${SECRET}"`]) }, /sasl\.jaas\.config \(.*bad-jaas\.properties:3\) is not one JAAS entry \(its text is not shown/],
  ['no password anywhere', { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'alice' }, {}, /needs the password of user "alice"\. Fix: set \$KAFKA_SASL_PASSWORD/],
  ['a CA file that is not there', { 'security.protocol': 'SSL', 'ssl.ca.location': path.join(dir, 'nope.pem') }, {}, /ssl\.ca\.location \(the topology's kafka\.ssl\.ca\.location\): cannot read .*nope\.pem \(ENOENT\)/],
  ['a JKS truststore', { 'security.protocol': 'SSL', 'ssl.truststore.location': jks }, {}, /truststore\.jks holds no PEM certificate\. Fix: .*keytool -exportcert -rfc/],
  ['a CA file on a plaintext protocol', { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'ssl.ca.location': ca.cert }, { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET }, /ssl\.ca\.location is set .* but security\.protocol is SASL_PLAINTEXT, without TLS\. Fix: set security\.protocol=SSL or SASL_SSL/],
  ['an encrypted key without its password', { 'security.protocol': 'SSL', 'ssl.certificate.location': locked.cert, 'ssl.key.location': locked.key }, {}, /ssl\.key\.location .*: the private key cannot be opened .*Fix: set ssl\.key\.password \(or \$KAFKA_SSL_KEY_PASSWORD\)/],
  ['an encrypted key with a wrong password', { 'security.protocol': 'SSL', 'ssl.certificate.location': locked.cert, 'ssl.key.location': locked.key }, { KAFKA_SSL_KEY_PASSWORD: `${SECRET}-wrong` }, /the private key cannot be opened .*Fix: check ssl\.key\.password/],
  ['a certificate without its key', { 'security.protocol': 'SSL', 'ssl.certificate.location': locked.cert }, {}, /a client certificate needs both its certificate and its key\. Fix: set both ssl\.certificate\.location and ssl\.key\.location/],
  ['an OAuth token from two places', { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.file': 'f', 'sasl.oauthbearer.token.command': 'c' }, {}, /both sasl\.oauthbearer\.token\.file .* and sasl\.oauthbearer\.token\.command .* are set\. Fix: keep one/],
])('%s', (_name, block, env, expected) => {
  expect(failure(block, env)).toMatch(expected);
});

test("a secret in the topology's kafka block is refused at its YAML path, with where to put it instead", () => {
  const yaml = `version: 1\nname: t\nkafka:\n  security.protocol: SASL_SSL\n  sasl.password: ${SECRET}\n  sasl.mechansim: PLAIN\n  compression.type: zstd\ntopics: []\n`;
  let problems: readonly string[] = [];
  try {
    parseTopology(yaml, 't.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyError);
    problems = (err as TopologyError).problems;
  }
  expect(problems).toEqual([
    expect.stringMatching(/^t\.yaml: kafka\.sasl\.password: a secret does not belong in a topology file .*\(line 5\)\. Fix: put sasl\.password in the client properties file named by KAFKA_CONFIG, or use KAFKA_SASL_USERNAME \/ KAFKA_SASL_PASSWORD/),
    expect.stringMatching(/^t\.yaml: kafka\.sasl\.mechansim: unknown key "sasl\.mechansim" \(line 6\)\. Fix: rename it to "sasl\.mechanism"/),
    expect.stringMatching(/^t\.yaml: kafka\.compression\.type: producer compression "zstd" is not available \(line 7\)\. Fix: use gzip or none: kafkajs has gzip built in/),
  ]);
  expect(problems.join('\n')).not.toContain(SECRET);
});

test('an OAuth token the broker refused: kafkajs reports a vanished broker, we say what it means', () => {
  const oauth = resolveClientConfig({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.file': 'token' }, {});
  const problem = accessProblem(Object.assign(new Error('x'), { originalError: { name: 'KafkaJSBrokerNotFound' } }), 'b:1', oauth);
  expect(problem?.message).toMatch(/^Kafka at b:1 closed the connection after the OAUTHBEARER login: it refused the token .*Fix: check the token/);
});

test("Kafka's Java tools cannot take an OAuth token from a file: said, with the way out", () => {
  const c = resolveClientConfig({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.file': 'token' }, {});
  expect(() => javaClientProperties(c)).toThrow(/cannot log in with an OAUTHBEARER token from a file or a command .*Fix: .*--command-config <file>/);
});

describe('a failed first connection becomes one error naming the fix, or is left to retries', () => {
  const sasl = resolveClientConfig({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'alice' }, { KAFKA_SASL_PASSWORD: SECRET });
  const wrapped = (inner: object) => Object.assign(new Error('retries exhausted'), { originalError: inner });

  test.each<[string, object, RegExp | undefined]>([
    ['a refused login', wrapped({ name: 'KafkaJSSASLAuthenticationError', message: 'SASL SCRAM SHA512 authentication failed: invalid credentials' }), /^Kafka at b:1 refused the SASL SCRAM-SHA-512 login of user "alice": SASL SCRAM SHA512 .*Fix: check the user name and its password \(\$KAFKA_SASL_PASSWORD\)$/],
    ['a mechanism the listener lacks', { name: 'KafkaJSSASLAuthenticationError', message: 'SASL SCRAM-SHA-512 mechanism is not supported by the server' }, /Fix: set sasl\.mechanism to one the listener enables/],
    ['an untrusted broker certificate', wrapped({ name: 'KafkaJSConnectionError', message: 'Connection error: self-signed certificate in certificate chain', code: 'SELF_SIGNED_CERT_IN_CHAIN' }), /^the TLS certificate of Kafka at b:1 is not trusted \(SELF_SIGNED_CERT_IN_CHAIN; trusted now: Node's default CAs\)\. Fix: set ssl\.ca\.location/],
    ['another host name', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, /is not for that host name .*Fix: connect by a name the certificate lists/],
    ['a client certificate refused', { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }, /wants a client certificate it trusts .*Fix: set ssl\.certificate\.location and ssl\.key\.location/],
    ['TLS to a port that answers in plain text', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, /does not speak TLS on that port/],
    ['TLS to a port that hangs up', wrapped({ message: 'Connection error: Client network socket disconnected before secure TLS connection was established', code: 'ECONNRESET' }), /hung up on the TLS handshake: it is most likely not a TLS listener/],
    ['a broker not up yet (left to the retries)', wrapped({ name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' }), undefined],
    ['a dropped connection without OAuth (left to the retries)', wrapped({ name: 'KafkaJSBrokerNotFound', message: 'No brokers in the broker pool' }), undefined],
  ])('%s', (_name, err, expected) => {
    const problem = accessProblem(err, 'b:1', sasl);
    if (expected === undefined) expect(problem).toBeUndefined();
    else {
      expect(problem?.message).toMatch(expected);
      expect(problem?.message).not.toContain(SECRET);
    }
  });
});
