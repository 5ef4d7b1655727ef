import { startLocalBroker } from '../dev/localBroker';
import type { BrokerFallback } from '../kafka/brokers';
import { connectKafka, type KafkaConnector } from '../kafka/connect';

/** No broker configured: the local development broker, started if needed (reused when it runs). */
export const localBroker: BrokerFallback = async (logger) => {
  const local = await startLocalBroker({ logger: logger.child({ component: 'kafka-local' }) });
  if (local.alreadyRunning) logger.debug('using the running local Kafka broker', { brokers: local.brokers });
  return [local.brokers];
};

/** How every command connects: $KAFKA_BROKERS, else bootstrap.servers, else the local broker. */
export const connectCommand: KafkaConnector = (source, logger) => connectKafka(source, logger, localBroker);
