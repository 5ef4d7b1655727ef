import { LOOPBACK } from './ports';

/**
 * Listeners a local broker may have beside PLAINTEXT, to try TLS and SASL settings against the real
 * thing: SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, and OAUTHBEARER with Kafka's unsecured-token
 * validator: a development setup, never a production one) and SSL with client certificates required.
 */
export interface SecureListeners {
  /** PEM file with the broker's private key (PKCS#8, unencrypted) followed by its certificate chain. */
  keystore: string;
  /** PEM file of the CAs whose client certificates the SSL listener accepts. */
  truststore: string;
  /** SASL users, name -> password: SCRAM credentials are made when the storage is formatted. */
  users: Record<string, string>;
}

export interface SecurePorts {
  saslSsl: number;
  ssl: number;
}

export const SASL_SSL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

export function secureAddresses(ports: SecurePorts): { saslSsl: string; ssl: string } {
  return { saslSsl: `${LOOPBACK}:${ports.saslSsl}`, ssl: `${LOOPBACK}:${ports.ssl}` };
}

/** JAAS option values are double-quoted; a user name or password must not break out of them. */
function jaasValue(text: string): string {
  if (/["\\\n]/.test(text)) throw new Error(`a local broker user name or password may not contain quotes, backslashes or line breaks`);
  return `"${text}"`;
}

/** The server.properties lines for the two listeners (merged with the PLAINTEXT ones by the caller). */
export function secureListenerProperties(ports: SecurePorts, s: SecureListeners): { listeners: string[]; protocols: string[]; lines: string[] } {
  const plainUsers = Object.entries(s.users).map(([name, password]) => `user_${name}=${jaasValue(password)}`).join(' ');
  return {
    listeners: [`SASL_SSL://${LOOPBACK}:${ports.saslSsl}`, `SSL://${LOOPBACK}:${ports.ssl}`],
    protocols: ['SASL_SSL:SASL_SSL', 'SSL:SSL'],
    lines: [
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${s.keystore}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${s.truststore}`,
      'listener.name.ssl.ssl.client.auth=required',
      `listener.name.sasl_ssl.sasl.enabled.mechanisms=${SASL_SSL_MECHANISMS.join(',')}`,
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      // Kafka's default OAUTHBEARER validator accepts unsigned tokens: the mechanism is exercised, not real OAuth.
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
    ],
  };
}

/** `StorageTool format` arguments that create each user's SCRAM-SHA-256 and SCRAM-SHA-512 credentials. */
export function scramFormatArgs(users: Record<string, string>): string[] {
  return Object.entries(users).flatMap(([name, password]) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${name},password=${password}]`]),
  );
}
