import { ConfigError } from '../../core/errors';
import { parseBrokerList } from '../brokers';
import { parseJaasConfig } from './jaas';
import { SASL_MECHANISMS, SECURITY_PROTOCOLS, type SaslMechanism, type SecurityProtocol } from './keys';
import { layerSettings, type LayeredSettings } from './settings';
import { loadTls, type TlsConfig } from './tls';

export type SaslConfig =
  | { mechanism: Exclude<SaslMechanism, 'OAUTHBEARER'>; username: string; password: string }
  | { mechanism: 'OAUTHBEARER'; token: { file: string } | { command: string } };

/** How every command connects to Kafka: one resolved config, from the topology, KAFKA_CONFIG and the environment. */
export interface ClientConfig {
  protocol: SecurityProtocol;
  /** bootstrap.servers from the settings; $KAFKA_BROKERS still wins over it. */
  brokers: string[];
  sasl?: SaslConfig;
  tls?: TlsConfig;
  /** Producer compression (compression.type). */
  compression: 'none' | 'gzip';
  /** The layered settings it was made from (Kafka's own tools get them as a properties file). */
  settings: LayeredSettings;
}

const LOGIN_MODULES: Record<SaslMechanism, string> = {
  PLAIN: 'PlainLoginModule',
  'SCRAM-SHA-256': 'ScramLoginModule',
  'SCRAM-SHA-512': 'ScramLoginModule',
  OAUTHBEARER: 'OAuthBearerLoginModule',
};

/** TLS settings that mean nothing without TLS: set with a plaintext protocol, they are a mistake. */
const TLS_FILE_KEYS = ['ssl.ca.location', 'ssl.truststore.location', 'ssl.certificate.location', 'ssl.key.location', 'ssl.keystore.location'] as const;

/**
 * The client config of the topology's `kafka:` block (client keys only), $KAFKA_CONFIG and the
 * environment overrides. Throws a one-line ConfigError naming the setting, where it came from and the
 * fix; secrets are never part of a message.
 */
export function resolveClientConfig(topologyBlock: Readonly<Record<string, string>> = {}, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const settings = layerSettings(topologyBlock, env);
  const protocolSetting = settings.get('security.protocol');
  const protocol = SECURITY_PROTOCOLS.find((p) => p === protocolSetting?.value.toUpperCase()) ?? 'PLAINTEXT';
  const mechanism = settings.get('sasl.mechanism') ?? settings.get('sasl.mechanisms');
  if (!protocol.startsWith('SASL_') && mechanism) {
    throw new ConfigError(`sasl.mechanism is set (${mechanism.origin}) but security.protocol is ${protocol}. Fix: set security.protocol=SASL_SSL (or SASL_PLAINTEXT), or remove sasl.mechanism`);
  }
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  for (const key of TLS_FILE_KEYS) {
    const setting = settings.get(key);
    if (!usesTls && setting) throw new ConfigError(`${key} is set (${setting.origin}) but security.protocol is ${protocol}, without TLS. Fix: set security.protocol=SSL or SASL_SSL, or remove ${key}`);
  }
  return {
    protocol,
    brokers: parseBrokerList(settings.get('bootstrap.servers')?.value),
    sasl: protocol.startsWith('SASL_') ? saslConfig(settings, protocol) : undefined,
    tls: usesTls ? loadTls(settings) : undefined,
    compression: settings.get('compression.type')?.value.trim().toLowerCase() === 'gzip' ? 'gzip' : 'none',
    settings,
  };
}

function saslConfig(s: LayeredSettings, protocol: SecurityProtocol): SaslConfig {
  const setting = s.get('sasl.mechanism') ?? s.get('sasl.mechanisms');
  const mechanism = SASL_MECHANISMS.find((m) => m === setting?.value.trim().toUpperCase());
  if (mechanism === undefined) {
    throw new ConfigError(`security.protocol ${protocol} needs sasl.mechanism (Java's default, Kerberos/GSSAPI, is not supported). Fix: set sasl.mechanism=SCRAM-SHA-512 (or PLAIN, SCRAM-SHA-256, OAUTHBEARER)`);
  }
  const jaasSetting = s.get('sasl.jaas.config');
  const jaas = jaasSetting && parseJaasConfig(jaasSetting.value);
  if (jaasSetting && !jaas) {
    // Not echoed: the line holds a password.
    throw new ConfigError(`sasl.jaas.config (${jaasSetting.origin}) is not one JAAS entry (its text is not shown: it may hold a password). Fix: write it as ${LOGIN_MODULES[mechanism]} required username="..." password="...";`);
  }
  if (jaas && jaas.module !== LOGIN_MODULES[mechanism]) {
    throw new ConfigError(`sasl.jaas.config (${jaasSetting?.origin}) uses ${jaas.module} but sasl.mechanism is ${mechanism}. Fix: use org.apache.kafka.common.security.${mechanism === 'PLAIN' ? 'plain' : mechanism === 'OAUTHBEARER' ? 'oauthbearer' : 'scram'}.${LOGIN_MODULES[mechanism]}, or the mechanism the module is for`);
  }
  if (mechanism === 'OAUTHBEARER') {
    const file = s.get('sasl.oauthbearer.token.file');
    const command = s.get('sasl.oauthbearer.token.command');
    if (file && command) throw new ConfigError(`both sasl.oauthbearer.token.file (${file.origin}) and sasl.oauthbearer.token.command (${command.origin}) are set. Fix: keep one`);
    if (file) return { mechanism, token: { file: file.value } };
    if (command) return { mechanism, token: { command: command.value } };
    throw new ConfigError('sasl.mechanism OAUTHBEARER needs a token. Fix: set sasl.oauthbearer.token.file=<file holding the token> or sasl.oauthbearer.token.command=<command printing it>');
  }
  const username = s.get('sasl.username')?.value ?? jaas?.options.username;
  const password = s.get('sasl.password')?.value ?? jaas?.options.password;
  if (!username) throw new ConfigError(`sasl.mechanism ${mechanism} needs a user name. Fix: set sasl.username, username in sasl.jaas.config, or $KAFKA_SASL_USERNAME`);
  if (password === undefined) throw new ConfigError(`sasl.mechanism ${mechanism} needs the password of user "${username}". Fix: set $KAFKA_SASL_PASSWORD (or sasl.password / password in sasl.jaas.config in the KAFKA_CONFIG file)`);
  return { mechanism, username, password };
}
