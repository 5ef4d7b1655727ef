import crypto from 'node:crypto';
import { ConfigError } from '../../core/errors';
import type { ClientConfig } from './clientConfig';
import { formatProperties } from './properties';

/** A JAAS option value in double quotes. */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Java's PEM keystore takes PKCS#8 keys only; a PKCS#1 or SEC1 key is re-encoded (and stays encrypted if it was). */
function pkcs8(key: string, passphrase: string | undefined): string {
  const k = crypto.createPrivateKey({ key, passphrase });
  return passphrase === undefined
    ? k.export({ type: 'pkcs8', format: 'pem' }).toString()
    : k.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}

/**
 * The resolved client config as a Java client properties file, for Kafka's own tools
 * (`kafka-consumer-groups --command-config`): the same brokers' security, written out so that
 * certificates and keys are inline PEM values and no other file is needed. It holds secrets: the
 * caller writes it with mode 0600 and removes it after the tool ran.
 */
export function javaClientProperties(config: ClientConfig): string {
  const entries: Array<[string, string]> = [['security.protocol', config.protocol]];
  const sasl = config.sasl;
  if (sasl && 'token' in sasl) {
    throw new ConfigError("Kafka's Java tools cannot log in with an OAUTHBEARER token from a file or a command (Kafka 3.9 has no such login). Fix: give the tool your own client properties: humpback kafka consumer-groups --command-config <file> ...");
  }
  if (sasl) {
    const module = sasl.mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    entries.push(['sasl.mechanism', sasl.mechanism], ['sasl.jaas.config', `${module} required username=${quoted(sasl.username)} password=${quoted(sasl.password)};`]);
  }
  const tls = config.tls;
  if (tls) {
    if (!tls.verifyCertificate) {
      throw new ConfigError("enable.ssl.certificate.verification=false has no equivalent in Kafka's Java tools. Fix: set ssl.ca.location to the CA of the broker's certificate");
    }
    if (tls.ca) entries.push(['ssl.truststore.type', 'PEM'], ['ssl.truststore.certificates', tls.ca.join('\n')]);
    if (tls.cert && tls.key) {
      entries.push(['ssl.keystore.type', 'PEM'], ['ssl.keystore.certificate.chain', tls.cert], ['ssl.keystore.key', pkcs8(tls.key, tls.passphrase)]);
      if (tls.passphrase !== undefined) entries.push(['ssl.key.password', tls.passphrase]);
    }
    const store = config.settings.get('ssl.keystore.location');
    if (tls.pfx && store) {
      entries.push(['ssl.keystore.type', 'PKCS12'], ['ssl.keystore.location', store.value]);
      if (tls.passphrase !== undefined) entries.push(['ssl.keystore.password', tls.passphrase]);
    }
    if (!tls.verifyHostname) entries.push(['ssl.endpoint.identification.algorithm', '']);
  }
  return formatProperties(entries);
}
