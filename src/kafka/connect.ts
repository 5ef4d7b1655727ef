import { CompressionTypes, type Kafka } from 'kafkajs';
import type { Logger } from '../core/logger';
import { createKafka, resolveBrokers, type BrokerFallback } from './brokers';
import { resolveClientConfig, type ClientConfig } from './security/clientConfig';
import { checkKafkaAccess } from './security/preflight';

/** A command's Kafka: the client, the producer compression to send with, and the config both came from. */
export interface KafkaConnection {
  kafka: Kafka;
  compression: CompressionTypes;
  config: ClientConfig;
}

/** What a command knows of the topology: its client id and the client settings of its `kafka:` block. */
export interface KafkaClientSource {
  clientId: string;
  kafka: Readonly<Record<string, string>>;
}

/** How a command gets its Kafka: connectKafka, with the fallback its caller chose (src/cli: the local broker). */
export type KafkaConnector = (source: KafkaClientSource, logger: Logger) => Promise<KafkaConnection>;

/**
 * The one way a command connects: the client config resolved from the topology's `kafka:` block,
 * $KAFKA_CONFIG (or --kafka-config) and the environment; the brokers ($KAFKA_BROKERS, else
 * bootstrap.servers, else the fallback's); and, with TLS or SASL, one checked connection first, so
 * a wrong password or an untrusted certificate stops the command at once with the fix.
 */
export async function connectKafka(source: KafkaClientSource, logger: Logger, fallback?: BrokerFallback): Promise<KafkaConnection> {
  const config = resolveClientConfig(source.kafka);
  // A producer or consumer tuning key is expected in a shared client file; a security key we skip may matter.
  const security = config.settings.ignored.filter((k) => /^(ssl|sasl|security)\./.test(k));
  if (security.length > 0) logger.warn('security settings humpback does not use (see the README for the supported keys)', { file: config.settings.file, keys: security });
  if (config.settings.ignored.length > security.length) logger.debug('client settings humpback does not use', { file: config.settings.file, keys: config.settings.ignored });
  const brokers = await resolveBrokers(logger, config, fallback);
  await checkKafkaAccess(brokers, source.clientId, config);
  return {
    kafka: createKafka(brokers, source.clientId, logger, config),
    compression: config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
    config,
  };
}
