/**
 * The Kafka client settings humpback reads, by the names Kafka users already write in client
 * properties files (Java's, and librdkafka's where the two differ), with a check of each value.
 * The same keys are accepted in a topology's `kafka:` block, secrets excepted.
 */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface ValueProblem {
  problem: string;
  hint: string;
}

interface KeySpec {
  /** A password, a private key or a JAAS line holding one: never shown, never allowed in a topology. */
  secret?: boolean;
  check?: (value: string) => ValueProblem | undefined;
}

const oneOf =
  (allowed: readonly string[], hint = `use one of ${allowed.join(', ')}`) =>
  (value: string): ValueProblem | undefined =>
    allowed.includes(value.toUpperCase()) || allowed.includes(value) ? undefined : { problem: `"${value}" is not supported`, hint };

/** Why a mechanism Kafka knows is not one we can use, and what to use instead. */
const UNSUPPORTED_MECHANISMS: Record<string, string> = {
  AWS_MSK_IAM:
    "Amazon MSK's IAM mechanism is not supported: kafkajs 2.2.4's own 'aws' mechanism is another protocol (mechanism AWS, it sends the secret key itself), which MSK refuses, " +
    'and a SigV4 signer could not be tested against MSK here. Use an MSK listener with SASL/SCRAM (sasl.mechanism=SCRAM-SHA-512) or mTLS (security.protocol=SSL with a client certificate)',
  GSSAPI: 'Kerberos (GSSAPI) is not supported by kafkajs. Use SCRAM-SHA-512, SCRAM-SHA-256, PLAIN or OAUTHBEARER, or mTLS',
};

function mechanism(value: string): ValueProblem | undefined {
  const upper = value.toUpperCase();
  if ((SASL_MECHANISMS as readonly string[]).includes(upper)) return undefined;
  const why = UNSUPPORTED_MECHANISMS[upper];
  return why ? { problem: `${upper} is not supported`, hint: why } : { problem: `unknown mechanism "${value}"`, hint: `use one of ${SASL_MECHANISMS.join(', ')}` };
}

function compression(value: string): ValueProblem | undefined {
  const lower = value.toLowerCase();
  if (lower === 'none' || lower === 'gzip') return undefined;
  return {
    problem: `producer compression "${value}" is not available`,
    hint: 'use gzip or none: kafkajs has gzip built in, and the codec packages for snappy, lz4 and zstd are unmaintained or need native builds (a topic may still be compressed by the broker, see the topic setting compression)',
  };
}

export const CLIENT_KEYS = {
  'bootstrap.servers': {},
  'security.protocol': { check: oneOf(SECURITY_PROTOCOLS) },
  'sasl.mechanism': { check: mechanism },
  'sasl.mechanisms': { check: mechanism }, // librdkafka's spelling
  'sasl.jaas.config': { secret: true },
  'sasl.username': {},
  'sasl.password': { secret: true },
  'sasl.oauthbearer.token.file': {},
  'sasl.oauthbearer.token.command': {},
  'ssl.ca.location': {},
  'ssl.truststore.type': { check: oneOf(['PEM'], 'use a PEM truststore (ssl.truststore.type=PEM, or ssl.ca.location); convert a JKS or PKCS12 one with: keytool -exportcert -rfc -keystore truststore.jks -alias <alias> > ca.pem') },
  'ssl.truststore.location': {},
  'ssl.truststore.certificates': {},
  'ssl.certificate.location': {},
  'ssl.key.location': {},
  'ssl.key.password': { secret: true },
  'ssl.keystore.type': { check: oneOf(['PEM', 'PKCS12'], 'use PEM or PKCS12; convert a JKS keystore with: keytool -importkeystore -srckeystore k.jks -destkeystore k.p12 -deststoretype PKCS12') },
  'ssl.keystore.location': {},
  'ssl.keystore.password': { secret: true },
  'ssl.keystore.certificate.chain': {},
  'ssl.keystore.key': { secret: true },
  'ssl.endpoint.identification.algorithm': { check: oneOf(['HTTPS', '', 'NONE'], 'use https (check the host name, the default) or an empty value (do not)') },
  'enable.ssl.certificate.verification': { check: oneOf(['TRUE', 'FALSE']) },
  'compression.type': { check: compression },
} satisfies Record<string, KeySpec>;

export type ClientKey = keyof typeof CLIENT_KEYS;
export const CLIENT_KEY_NAMES = Object.keys(CLIENT_KEYS) as ClientKey[];

export function isClientKey(key: string): key is ClientKey {
  return Object.hasOwn(CLIENT_KEYS, key);
}

export function isSecretKey(key: ClientKey): boolean {
  const spec: KeySpec = CLIENT_KEYS[key];
  return spec.secret === true;
}

export function checkValue(key: ClientKey, value: string): ValueProblem | undefined {
  const spec: KeySpec = CLIENT_KEYS[key];
  return spec.check?.(value.trim());
}
