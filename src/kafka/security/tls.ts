import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { ConfigError, errorMessage } from '../../core/errors';
import type { ClientKey } from './keys';
import type { LayeredSettings, Setting } from './settings';

/** What a TLS connection to the brokers needs, files already read (so a bad path fails at start). */
export interface TlsConfig {
  /** PEM certificates of the CAs to trust; undefined: Node's default CAs (public clouds). */
  ca?: string[];
  /** Client certificate chain and private key (PEM) for mTLS, and the key's password. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** A PKCS#12 keystore holding the client certificate and key instead. */
  pfx?: Buffer;
  verifyHostname: boolean;
  verifyCertificate: boolean;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The PEM blocks of a text whose type ends with `kind` (CERTIFICATE, PRIVATE KEY). */
function pemBlocks(text: string, kind: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].filter((m) => m[1].endsWith(kind)).map((m) => m[0]);
}

function fail(setting: Setting, key: ClientKey, problem: string, fix: string): ConfigError {
  return new ConfigError(`${key} (${setting.origin}): ${problem}. Fix: ${fix}`);
}

function readFile(setting: Setting, key: ClientKey): Buffer {
  try {
    return fs.readFileSync(setting.value);
  } catch (err) {
    throw fail(setting, key, `cannot read ${setting.value} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`, 'give the path of a readable file');
  }
}

/** The PEM certificates in `text` (a file's or an inline value); another kind (JKS, PKCS12) is refused with the conversion. */
function certificates(setting: Setting, key: ClientKey, text: string, what: string): string[] {
  const certs = pemBlocks(text, 'CERTIFICATE');
  if (certs.length > 0) return certs;
  throw fail(setting, key, `${what} holds no PEM certificate`, 'give PEM certificates ("-----BEGIN CERTIFICATE-----"); convert a JKS or PKCS12 truststore with: keytool -exportcert -rfc -keystore <store> -alias <alias> > ca.pem');
}

function certificateFile(setting: Setting, key: ClientKey): string[] {
  return certificates(setting, key, readFile(setting, key).toString('utf8'), setting.value);
}

function trustedCas(s: LayeredSettings): string[] | undefined {
  const ca = s.get('ssl.ca.location');
  if (ca) return certificateFile(ca, 'ssl.ca.location');
  const store = s.get('ssl.truststore.location');
  if (store) return certificateFile(store, 'ssl.truststore.location');
  const inline = s.get('ssl.truststore.certificates');
  return inline ? certificates(inline, 'ssl.truststore.certificates', inline.value, 'the value') : undefined;
}

/** The client certificate and key: librdkafka's separate files, or Java's PEM or PKCS#12 keystore. */
function clientIdentity(s: LayeredSettings): Pick<TlsConfig, 'cert' | 'key' | 'passphrase' | 'pfx'> {
  const passphrase = s.get('ssl.key.password')?.value;
  const certFile = s.get('ssl.certificate.location');
  const keyFile = s.get('ssl.key.location');
  if (certFile && keyFile) {
    return { cert: certificateFile(certFile, 'ssl.certificate.location').join('\n'), key: privateKey(keyFile, 'ssl.key.location', readFile(keyFile, 'ssl.key.location').toString('utf8'), passphrase), passphrase };
  }
  const alone = certFile ?? keyFile;
  if (alone) throw fail(alone, certFile ? 'ssl.certificate.location' : 'ssl.key.location', 'a client certificate needs both its certificate and its key', 'set both ssl.certificate.location and ssl.key.location');
  const store = s.get('ssl.keystore.location');
  const chain = s.get('ssl.keystore.certificate.chain');
  const inlineKey = s.get('ssl.keystore.key');
  if (chain && inlineKey) return { cert: certificates(chain, 'ssl.keystore.certificate.chain', chain.value, 'the value').join('\n'), key: privateKey(inlineKey, 'ssl.keystore.key', inlineKey.value, passphrase), passphrase };
  if (!store) return {};
  const bytes = readFile(store, 'ssl.keystore.location');
  const text = bytes.toString('utf8');
  if (s.get('ssl.keystore.type')?.value.toUpperCase() !== 'PKCS12' && pemBlocks(text, 'PRIVATE KEY').length > 0) {
    return { cert: certificates(store, 'ssl.keystore.location', text, store.value).join('\n'), key: privateKey(store, 'ssl.keystore.location', text, passphrase), passphrase };
  }
  const password = s.get('ssl.keystore.password')?.value;
  try {
    tls.createSecureContext({ pfx: bytes, passphrase: password });
  } catch (err) {
    throw fail(store, 'ssl.keystore.location', `${store.value} is not a PKCS#12 keystore this password opens (${errorMessage(err)})`, 'set ssl.keystore.password (or $KAFKA_SSL_KEYSTORE_PASSWORD); convert a JKS keystore with: keytool -importkeystore -srckeystore k.jks -destkeystore k.p12 -deststoretype PKCS12');
  }
  return { pfx: bytes, passphrase: password };
}

/** The PEM private key, checked against its password now rather than at the first connection. */
function privateKey(setting: Setting, key: ClientKey, text: string, passphrase: string | undefined): string {
  const [pem] = pemBlocks(text, 'PRIVATE KEY');
  if (pem === undefined) throw fail(setting, key, 'holds no PEM private key', 'give a PEM key ("-----BEGIN PRIVATE KEY-----")');
  try {
    crypto.createPrivateKey({ key: pem, passphrase });
  } catch (err) {
    const fix = passphrase === undefined ? 'set ssl.key.password (or $KAFKA_SSL_KEY_PASSWORD) if the key is encrypted' : 'check ssl.key.password / $KAFKA_SSL_KEY_PASSWORD';
    throw fail(setting, key, `the private key cannot be opened (${errorMessage(err)})`, fix);
  }
  return pem;
}

export function loadTls(s: LayeredSettings): TlsConfig {
  const identification = s.get('ssl.endpoint.identification.algorithm')?.value.trim().toUpperCase();
  return {
    ca: trustedCas(s),
    ...clientIdentity(s),
    verifyHostname: identification === undefined || identification === 'HTTPS',
    verifyCertificate: s.get('enable.ssl.certificate.verification')?.value.trim().toUpperCase() !== 'FALSE',
  };
}
