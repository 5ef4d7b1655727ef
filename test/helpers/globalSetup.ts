/**
 * jest globalSetup (integration project): makes sure a real broker is there before any worker starts.
 * KAFKA_BROKERS set: use it, start nothing. Otherwise start (or reuse) the suite's own local broker
 * (testBroker.ts) and export its address; workers are forked after this runs, so they inherit it.
 */
import { startLocalBroker } from '../../src/dev/localBroker';
import { createLogger } from '../../src/core/logger';
import { testBrokerOptions } from './testBroker';

export default async function globalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  const logger = createLogger({ component: 'test-broker' });
  const broker = await startLocalBroker({ logger, ...testBrokerOptions(), emptyOnStart: true });
  process.env.KAFKA_BROKERS = broker.brokers;
  process.env.HUMPBACK_TEST_LOCAL_BROKER = '1';
  // Only a broker this run started is stopped by globalTeardown; one started by hand stays up.
  if (!broker.alreadyRunning) process.env.HUMPBACK_TEST_STARTED_BROKER = '1';
  logger.info(broker.alreadyRunning ? 'using the running test broker' : 'started the test broker', {
    brokers: broker.brokers,
    ms: broker.startMs,
  });
}
