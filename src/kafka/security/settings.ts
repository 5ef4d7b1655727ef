import fs from 'node:fs';
import { ConfigError } from '../../core/errors';
import { checkValue, isClientKey, type ClientKey } from './keys';
import { parseProperties } from './properties';

/** One client setting and where it came from (named in messages; values never are). */
export interface Setting {
  value: string;
  origin: string;
}

/** The layered client settings: the topology's kafka block, then the KAFKA_CONFIG file, then the environment. */
export interface LayeredSettings {
  get(key: ClientKey): Setting | undefined;
  /** Keys of the properties file this engine does not use (names only: values may be secret). */
  ignored: string[];
  /** The file given by KAFKA_CONFIG / --kafka-config, if any. */
  file?: string;
}

/** Environment variables that override one setting each: secrets kept out of files and topologies. */
export const ENV_OVERRIDES: Record<string, ClientKey> = {
  KAFKA_SASL_USERNAME: 'sasl.username',
  KAFKA_SASL_PASSWORD: 'sasl.password',
  KAFKA_SSL_KEY_PASSWORD: 'ssl.key.password',
  KAFKA_SSL_KEYSTORE_PASSWORD: 'ssl.keystore.password',
};

/**
 * Gathers the client settings, later layers winning: the topology's `kafka:` block (already checked
 * by the topology schema), the Java-style properties file named by $KAFKA_CONFIG (set by
 * --kafka-config too), then ENV_OVERRIDES. Values of known keys are checked here; a bad one is a
 * ConfigError naming the key, the file and line, and the fix.
 */
export function layerSettings(topologyBlock: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): LayeredSettings {
  const settings = new Map<ClientKey, Setting>();
  for (const [key, value] of Object.entries(topologyBlock)) {
    if (isClientKey(key)) settings.set(key, { value, origin: `the topology's kafka.${key}` });
  }
  const file = env.KAFKA_CONFIG === undefined || env.KAFKA_CONFIG === '' ? undefined : env.KAFKA_CONFIG;
  const ignored: string[] = [];
  if (file !== undefined) {
    for (const p of parseProperties(readConfigFile(file))) {
      if (!isClientKey(p.key)) {
        ignored.push(p.key);
        continue;
      }
      const origin = `${file}:${p.line}`;
      const problem = checkValue(p.key, p.value);
      if (problem) throw new ConfigError(`${origin}: ${p.key}: ${problem.problem}. Fix: ${problem.hint}`, { context: { path: file } });
      settings.set(p.key, { value: p.value.trim(), origin });
    }
  }
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value !== undefined && value !== '') settings.set(key, { value, origin: `$${name}` });
  }
  return { get: (key) => settings.get(key), ignored, file };
}

function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`cannot read the Kafka client config ${file} (${code}). Fix: check KAFKA_CONFIG / --kafka-config, or unset it to use the local broker`, {
      cause: err,
      context: { path: file },
    });
  }
}

