import { Kafka, logLevel } from 'kafkajs';
import { ConfigError, errorCauses } from '../../core/errors';
import type { ClientConfig } from './clientConfig';
import { kafkajsSecurity } from './kafkajsOptions';

/** Node's codes for a server certificate the client cannot trust. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);
/** OpenSSL alerts a broker sends when it refuses our client certificate (or its absence). */
const CLIENT_CERT_REFUSED = /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE)$/;

/**
 * One connection with the resolved config and no retries, before the real clients start. A refused
 * login or an untrusted certificate is a configuration error, which kafkajs would otherwise retry for
 * minutes (it counts TLS failures as passing connection errors) with an ERROR line each time; here
 * it becomes one ConfigError naming the fix. Anything else (a broker not up yet) is left to the
 * clients' own retries. PLAINTEXT has nothing to check.
 */
export async function checkKafkaAccess(brokers: string[], clientId: string, config: ClientConfig): Promise<void> {
  if (config.protocol === 'PLAINTEXT') return;
  const kafka = new Kafka({ clientId, brokers, ...kafkajsSecurity(config), logLevel: logLevel.NOTHING, connectionTimeout: 5000, requestTimeout: 15_000, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster(); // a request after the login: a refused OAuth token shows only here
  } catch (err) {
    const problem = accessProblem(err, brokers.join(','), config);
    if (problem) throw problem;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The ConfigError a failed connection means, or undefined when it is not a configuration problem. */
export function accessProblem(err: unknown, where: string, config: ClientConfig): ConfigError | undefined {
  const chain = errorCauses(err);
  const sasl = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (sasl && config.sasl) {
    const who = 'username' in config.sasl ? `user "${config.sasl.username}"` : 'the OAuth token';
    const fix = String(sasl.message).includes('not supported by the server')
      ? 'set sasl.mechanism to one the listener enables (ask the cluster admin which)'
      : 'username' in config.sasl
        ? `check the user name and its password (${config.settings.get('sasl.password')?.origin ?? config.settings.get('sasl.jaas.config')?.origin ?? 'not set'})`
        : 'check that the token is current and meant for this cluster';
    return new ConfigError(`Kafka at ${where} refused the SASL ${config.sasl.mechanism} login of ${who}: ${String(sasl.message)}. Fix: ${fix}`, { cause: err });
  }
  // kafkajs takes the broker's RFC 7628 error answer to an OAUTHBEARER login for success; the broker
  // then closes the connection, and the next request finds no broker.
  if (config.sasl?.mechanism === 'OAUTHBEARER' && chain.some((e) => e.name === 'KafkaJSBrokerNotFound' || e.name === 'KafkaJSConnectionClosedError')) {
    return new ConfigError(`Kafka at ${where} closed the connection after the OAUTHBEARER login: it refused the token (expired, or not meant for this cluster). Fix: check the token that sasl.oauthbearer.token.file / .command gives`, { cause: err });
  }
  // Node's words when the server hangs up on our TLS hello: a Kafka PLAINTEXT listener does just that.
  if (config.tls && chain.some((e) => String(e.message).includes('disconnected before secure TLS connection was established'))) {
    return new ConfigError(
      `Kafka at ${where} hung up on the TLS handshake: it is most likely not a TLS listener. Fix: use the address of its ${config.protocol} listener, or set security.protocol to the listener's protocol (PLAINTEXT or SASL_PLAINTEXT)`,
      { cause: err },
    );
  }
  const code = chain.map((e) => e.code).find((c): c is string => typeof c === 'string' && (UNTRUSTED.has(c) || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_') || c.startsWith('CERT_')));
  if (code === undefined) return undefined;
  const trusted = config.settings.get('ssl.ca.location') ?? config.settings.get('ssl.truststore.location') ?? config.settings.get('ssl.truststore.certificates');
  const trustedNow = trusted ? `the CAs of ${trusted.origin}` : "Node's default CAs";
  let fix: string;
  let problem: string;
  if (UNTRUSTED.has(code)) {
    problem = `the TLS certificate of Kafka at ${where} is not trusted (${code}; trusted now: ${trustedNow})`;
    fix = "set ssl.ca.location to the PEM file of the CA that signed the broker's certificate";
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    problem = `the TLS certificate of Kafka at ${where} is not for that host name (${code})`;
    fix = 'connect by a name the certificate lists (bootstrap.servers / KAFKA_BROKERS), or set ssl.endpoint.identification.algorithm= (empty) to skip the host name check';
  } else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    problem = `the TLS certificate of Kafka at ${where} is outside its validity dates (${code})`;
    fix = "renew the broker's certificate, or check this machine's clock";
  } else if (CLIENT_CERT_REFUSED.test(code)) {
    problem = `Kafka at ${where} refused the TLS handshake: it wants a client certificate it trusts (${code})`;
    fix = 'set ssl.certificate.location and ssl.key.location (or ssl.keystore.location) to a client certificate signed by a CA the broker trusts';
  } else if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    problem = `Kafka at ${where} does not speak TLS on that port (${code})`;
    fix = `use the address of its ${config.protocol} listener, or set security.protocol to the listener's protocol (PLAINTEXT or SASL_PLAINTEXT)`;
  } else {
    problem = `the TLS connection to Kafka at ${where} failed (${code})`;
    fix = 'check the ssl.* settings against the listener (security.protocol, CA, client certificate)';
  }
  return new ConfigError(`${problem}. Fix: ${fix}`, { cause: err });
}
