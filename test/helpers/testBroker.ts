/**
 * The test suite's own local broker: a home of its own (jars shared with the main cache), so the
 * suite never fills the user's broker with test topics, and each run that starts it begins empty.
 */
import path from 'node:path';
import type { LocalBrokerOptions } from '../../src/dev/localBroker';
import { defaultJarsDir } from '../../src/dev/broker/layout';
import { cacheDir } from '../../src/util/paths';

export function testBrokerOptions(): Required<Pick<LocalBrokerOptions, 'home' | 'jarsDir'>> {
  return { home: path.join(cacheDir(), 'test-broker'), jarsDir: defaultJarsDir() };
}
