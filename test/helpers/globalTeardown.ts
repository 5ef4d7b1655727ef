/** jest globalTeardown (integration project): stops the test broker only if globalSetup started it. */
import { stopLocalBroker } from '../../src/kafka/localBroker';
import { createLogger } from '../../src/runtime/logger';
import { testBrokerOptions } from './testBroker';

export default async function globalTeardown(): Promise<void> {
  if (process.env.HUMPBACK_TEST_STARTED_BROKER !== '1') return;
  await stopLocalBroker({ logger: createLogger({ component: 'test-broker' }), home: testBrokerOptions().home });
  delete process.env.HUMPBACK_TEST_STARTED_BROKER;
}
