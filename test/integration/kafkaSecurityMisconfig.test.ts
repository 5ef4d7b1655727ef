/**
 * Misconfigured security against the real secure broker: each mistake stops the command at start
 * with ONE line on stderr naming the fix (no kafkajs ERROR lines, no retries first), exit 1, and
 * never the password.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { ROOT } from '../helpers/cliPipeline';
import { SASL_USER, secureTestBroker, type SecureBroker } from '../helpers/secureBroker';

let broker: SecureBroker;
let dir: string;
beforeAll(async () => {
  broker = await secureTestBroker();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-misconfig-'));
}, 120_000);

const PAGE = path.join(ROOT, 'samples', 'corpus', 'faq', 'general.html');

/** Runs `humpback ingest` (the first thing a user runs) with this client config; returns its one stderr line. */
async function ingestWith(name: string, lines: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const config = path.join(dir, `${name}.properties`);
  fs.writeFileSync(config, lines.join('\n') + '\n');
  const r = await runCli(['ingest', PAGE, '--kafka-config', config], { KAFKA_BROKERS: '', HUMPBACK_LOG_LEVEL: 'info', ...env });
  expect(r.code).toBe(1);
  const stderr = r.stderr.trimEnd().split('\n');
  expect(stderr).toHaveLength(1);
  expect(r.stderr).not.toContain(SASL_USER.password);
  return stderr[0];
}

const sasl = (password: string, ca: string): string[] => [
  `bootstrap.servers=${broker.saslSsl}`,
  'security.protocol=SASL_SSL',
  'sasl.mechanism=SCRAM-SHA-512',
  `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${SASL_USER.name}" password="${password}";`,
  `ssl.ca.location=${ca}`,
];

test('a wrong password', async () => {
  const line = await ingestWith('wrong-password', sasl(`${SASL_USER.password}-old`, broker.ca.cert));
  expect(line).toMatch(
    new RegExp(
      `^humpback: Kafka at ${broker.saslSsl} refused the SASL SCRAM-SHA-512 login of user "alice": SASL SCRAM SHA512 authentication failed: .*invalid credentials.*\\. Fix: check the user name and its password \\(.*wrong-password\\.properties:4\\)$`,
    ),
  );
});

test("a broker certificate the client does not trust (another CA)", async () => {
  const line = await ingestWith('untrusted', sasl(SASL_USER.password, broker.otherCa.cert));
  expect(line).toMatch(/^humpback: the TLS certificate of Kafka at 127\.0\.0\.1:\d+ is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN); trusted now: the CAs of .*untrusted\.properties:5\)\. Fix: set ssl\.ca\.location to the PEM file of the CA that signed the broker's certificate$/);
});

test('no CA at all: the default CAs do not know a private one', async () => {
  const line = await ingestWith('default-cas', sasl(SASL_USER.password, broker.ca.cert).filter((l) => !l.startsWith('ssl.ca.location')));
  expect(line).toMatch(/is not trusted \(.*; trusted now: Node's default CAs\)\. Fix: set ssl\.ca\.location/);
});

test('the mTLS listener without a client certificate', async () => {
  const line = await ingestWith('no-client-cert', [`bootstrap.servers=${broker.ssl}`, 'security.protocol=SSL', `ssl.ca.location=${broker.ca.cert}`]);
  expect(line).toMatch(/^humpback: Kafka at 127\.0\.0\.1:\d+ refused the TLS handshake: it wants a client certificate it trusts \(ERR_SSL_\w+\)\. Fix: set ssl\.certificate\.location and ssl\.key\.location/);
});

test('an expired OAuth token', async () => {
  const token = path.join(dir, 'expired.jwt');
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  fs.writeFileSync(token, `${part({ alg: 'none' })}.${part({ sub: SASL_USER.name, iat: 1, exp: 2 })}.`);
  const line = await ingestWith('expired-token', [`bootstrap.servers=${broker.saslSsl}`, 'security.protocol=SASL_SSL', 'sasl.mechanism=OAUTHBEARER', `sasl.oauthbearer.token.file=${token}`, `ssl.ca.location=${broker.ca.cert}`]);
  expect(line).toMatch(/closed the connection after the OAUTHBEARER login: it refused the token .*Fix: check the token/);
});

test('TLS spoken to the PLAINTEXT port', async () => {
  const line = await ingestWith('no-tls', [`bootstrap.servers=${broker.plaintext}`, 'security.protocol=SSL', `ssl.ca.location=${broker.ca.cert}`]);
  expect(line).toMatch(/^humpback: Kafka at 127\.0\.0\.1:\d+ hung up on the TLS handshake: it is most likely not a TLS listener\. Fix: use the address of its SSL listener/);
});
