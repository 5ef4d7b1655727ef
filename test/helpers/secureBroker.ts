/**
 * The suite's secure broker: a local broker of its own home with a SASL_SSL listener (SCRAM users
 * made by Kafka's StorageTool) and an SSL listener requiring client certificates, its certificates
 * made by openssl on each fresh start. The first test file that needs it starts it; later files
 * (other workers too) reuse it; globalTeardown stops it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { localBrokerStatus, startLocalBroker, stopLocalBroker } from '../../src/dev/localBroker';
import { defaultJarsDir } from '../../src/dev/broker/layout';
import { withLockFile } from '../../src/dev/broker/lock';
import { createLogger } from '../../src/core/logger';
import { cacheDir } from '../../src/util/paths';
import { makeCa, makeCert, type CertFiles } from './certificates';

/** A SCRAM and PLAIN user of the secure broker; the password is distinctive so leak checks can grep for it. */
export const SASL_USER = { name: 'alice', password: 'alice-Pw-7f3Kq9Zx' };

export interface SecureBroker {
  /** host:port of its PLAINTEXT listener. */
  plaintext: string;
  /** host:port of the SASL_SSL listener (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER). */
  saslSsl: string;
  /** host:port of the SSL listener that requires a client certificate. */
  ssl: string;
  /** The CA that signed the broker's and the client's certificates. */
  ca: CertFiles;
  /** A client certificate the SSL listener accepts. */
  client: CertFiles;
  /** A CA the broker's certificate does not come from (an "untrusted" setup). */
  otherCa: CertFiles;
}

function home(): string {
  return path.join(cacheDir(), 'test-secure-broker');
}

function certs(dir: string, fresh: boolean): Pick<SecureBroker, 'ca' | 'client' | 'otherCa'> & { broker: { keystore: string } } {
  if (fresh) fs.rmSync(dir, { recursive: true, force: true });
  const files = {
    ca: { cert: path.join(dir, 'ca.pem'), key: path.join(dir, 'ca.key') },
    client: { cert: path.join(dir, 'client.pem'), key: path.join(dir, 'client.key') },
    otherCa: { cert: path.join(dir, 'other-ca.pem'), key: path.join(dir, 'other-ca.key') },
    broker: { keystore: path.join(dir, 'broker-keystore.pem') },
  };
  if (!fresh) return files;
  const ca = makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeCert(dir, ca, 'broker');
  makeCert(dir, ca, 'client');
  return files;
}

export async function secureTestBroker(): Promise<SecureBroker> {
  const dir = home();
  fs.mkdirSync(dir, { recursive: true });
  return withLockFile(path.join(dir, 'secure.lock'), async () => {
    const running = (await localBrokerStatus({ home: dir })).running;
    const files = certs(path.join(dir, 'certs'), !running);
    const broker = await startLocalBroker({
      home: dir,
      jarsDir: defaultJarsDir(),
      emptyOnStart: true,
      logger: createLogger({ component: 'secure-test-broker' }, 'warn'),
      secure: { keystore: files.broker.keystore, truststore: files.ca.cert, users: { [SASL_USER.name]: SASL_USER.password } },
    });
    if (!broker.secure) throw new Error(`the broker in ${dir} runs without its secure listeners`);
    return { plaintext: broker.brokers, ...broker.secure, ca: files.ca, client: files.client, otherCa: files.otherCa };
  });
}

/** globalTeardown: stops it if a test file started it. */
export async function stopSecureTestBroker(): Promise<void> {
  await stopLocalBroker({ home: home() });
}
