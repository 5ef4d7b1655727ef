/**
 * Certificates made by tests with openssl: a CA, and certificates it signs for a broker (with the
 * loopback names) or a client. Nothing is downloaded; each call writes PEM files into `dir`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA: `<name>.pem` and `<name>.key`. */
export function makeCa(dir: string, name: string): CertFiles {
  fs.mkdirSync(dir, { recursive: true });
  const files = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', files.key, '-out', files.cert], dir);
  return files;
}

/**
 * A certificate signed by `ca` with a PKCS#8 key (what Kafka's PEM keystores read): `<name>.pem`,
 * `<name>.key`, and `<name>-keystore.pem` holding both. With `passphrase`, the key is encrypted.
 */
export function makeCert(dir: string, ca: CertFiles, name: string, opts: { passphrase?: string } = {}): CertFiles & { keystore: string } {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const encrypt = opts.passphrase === undefined ? ['-nodes'] : ['-passout', `pass:${opts.passphrase}`];
  openssl(['req', '-newkey', 'rsa:2048', ...encrypt, '-subj', `/CN=${name}`, '-keyout', key, '-out', csr], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert], dir);
  const keystore = path.join(dir, `${name}-keystore.pem`);
  fs.writeFileSync(keystore, fs.readFileSync(key, 'utf8') + fs.readFileSync(cert, 'utf8'));
  return { cert, key, keystore };
}
