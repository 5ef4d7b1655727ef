import { Kafka, type LogEntry, logLevel, type logCreator } from 'kafkajs';
import { ConfigError } from '../core/errors';
import { createLogger, type Logger } from '../core/logger';
import type { ClientConfig } from './security/clientConfig';
import { kafkajsSecurity } from './security/kafkajsOptions';

/**
 * Where to find brokers when neither $KAFKA_BROKERS nor bootstrap.servers names any: the CLI passes
 * the local development broker (src/dev), which the engine itself knows nothing of.
 */
export type BrokerFallback = (logger: Logger) => Promise<string[]>;

/**
 * The brokers to use: $KAFKA_BROKERS (comma list) when set, else the config's bootstrap.servers;
 * otherwise the fallback's (plaintext only), and without one a ConfigError naming the settings.
 */
export async function resolveBrokers(logger: Logger, config?: ClientConfig, fallback?: BrokerFallback): Promise<string[]> {
  const fromEnv = parseBrokerList(process.env.KAFKA_BROKERS);
  if (fromEnv.length > 0) return fromEnv;
  if (config && config.brokers.length > 0) return config.brokers;
  if (config && config.protocol !== 'PLAINTEXT') {
    throw new ConfigError(`security.protocol is ${config.protocol} but no brokers are given, and the local broker speaks PLAINTEXT. Fix: set KAFKA_BROKERS or bootstrap.servers in the KAFKA_CONFIG file`);
  }
  if (fallback === undefined) throw new ConfigError('no Kafka brokers given. Fix: set KAFKA_BROKERS (host:port,...) or bootstrap.servers in the KAFKA_CONFIG file');
  return fallback(logger);
}

export function parseBrokerList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

const LEVELS: Record<string, logLevel> = {
  NOTHING: logLevel.NOTHING,
  ERROR: logLevel.ERROR,
  WARN: logLevel.WARN,
  INFO: logLevel.INFO,
  DEBUG: logLevel.DEBUG,
};

/** KAFKAJS_LOG_LEVEL (the variable kafkajs itself honours), default WARN: kafkajs INFO is chatty. */
export function kafkajsLogLevel(env: NodeJS.ProcessEnv = process.env): logLevel {
  return LEVELS[(env.KAFKAJS_LOG_LEVEL ?? '').toUpperCase()] ?? logLevel.WARN;
}

/**
 * kafkajs warnings that describe a choice we made, printed at every client start: shown at debug.
 * Bounded producer retries: a send that still fails is retried by the stage runner and outputs are
 * keyed, so delivery is at-least-once by design (README, Delivery guarantees), never claimed exactly-once.
 */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * Broker answers kafkajs logs as ERROR and then retries, which are normal while a group coordinator
 * or a new topic's leader is being set up (right after a broker start, a topic creation, a join):
 * shown at debug. kafkajs gives up with an error our code reports should one last. Every other
 * error, an authentication or authorisation failure say, stays an error.
 */
const TRANSIENT_ERRORS = [
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
  // A topic created a moment ago, before every metadata cache has it.
  'This server does not host this topic-partition',
];

/** Routes kafkajs log entries into our logger, one line each, with kafkajs' extra fields as fields. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _name, ...extra } = entry.log;
    const fields: Record<string, unknown> = { ...(entry.namespace ? { kafkajs: entry.namespace } : {}), ...extra };
    const text = String(message);
    if (entry.level === logLevel.ERROR && !TRANSIENT_ERRORS.includes(String(extra.error))) logger.error(text, fields);
    else if (entry.level === logLevel.WARN && !EXPECTED_WARNINGS.some((w) => text.startsWith(w))) logger.warn(text, fields);
    else if (entry.level === logLevel.INFO) logger.info(text, fields);
    else logger.debug(text, fields);
  };
}

/**
 * A kafkajs client with our defaults: logs through our logger, a 3 s connection timeout (the 1 s
 * default trips on a busy laptop) and bounded exponential retries (~30 s in all) for broker hiccups.
 * `security` (TLS, SASL) comes from resolveClientConfig; commands get their client from connectKafka (connect.ts).
 */
export function createKafka(brokers: string[], clientId: string, logger: Logger = createLogger({ component: 'kafkajs' }), security?: ClientConfig): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...(security ? kafkajsSecurity(security) : {}),
    logLevel: kafkajsLogLevel(),
    logCreator: kafkajsLogCreator(logger.child({ clientId })),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8 },
  });
}
