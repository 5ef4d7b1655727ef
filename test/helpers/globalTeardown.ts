/** jest globalTeardown (integration project): stops the test broker only if globalSetup started it, and the secure one. */
import { stopLocalBroker } from '../../src/dev/localBroker';
import { createLogger } from '../../src/core/logger';
import { stopSecureTestBroker } from './secureBroker';
import { testBrokerOptions } from './testBroker';

export default async function globalTeardown(): Promise<void> {
  await stopSecureTestBroker(); // started by the first test file that needed it, if any
  if (process.env.HUMPBACK_TEST_STARTED_BROKER !== '1') return;
  await stopLocalBroker({ logger: createLogger({ component: 'test-broker' }), home: testBrokerOptions().home });
  delete process.env.HUMPBACK_TEST_STARTED_BROKER;
}
