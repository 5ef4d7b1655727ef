/**
 * jest globalSetup (integration project): makes sure a real broker is there before any worker starts.
 * KAFKA_BROKERS set: use it, start nothing. Otherwise start (or reuse) the local broker and export its
 * address; workers are forked after this runs, so they inherit the variables.
 */
import { startLocalBroker } from '../../src/kafka/localBroker';
import { createLogger } from '../../src/runtime/logger';

export default async function globalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  const logger = createLogger({ component: 'test-broker' });
  const broker = await startLocalBroker({ logger });
  process.env.KAFKA_BROKERS = broker.brokers;
  process.env.HUMPBACK_TEST_LOCAL_BROKER = '1';
  // Only a broker this run started is stopped by globalTeardown; one started by hand stays up.
  if (!broker.alreadyRunning) process.env.HUMPBACK_TEST_STARTED_BROKER = '1';
  logger.info(broker.alreadyRunning ? 'using the running local Kafka broker' : 'started the local Kafka broker', {
    brokers: broker.brokers,
    ms: broker.startMs,
  });
}
