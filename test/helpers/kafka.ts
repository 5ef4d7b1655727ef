/** Helpers for tests against a real broker (after kafkajs' testHelpers): unique names, no sleeps. */
import crypto from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, parseBrokerList } from '../../src/kafka/brokers';
import { errorMessage } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';

/** A topic or group name no other test (or earlier run against the same broker) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
}

export function testBrokers(): string[] {
  const brokers = parseBrokerList(process.env.KAFKA_BROKERS);
  if (brokers.length === 0) {
    throw new Error('KAFKA_BROKERS is not set: run integration tests with `jest --selectProjects integration` (its globalSetup starts the local broker)');
  }
  return brokers;
}

/** A kafkajs client for the test broker; kafkajs logs at WARN and above, on stderr. */
export function testKafka(clientId: string = uniqueName('test')): Kafka {
  return createKafka(testBrokers(), clientId, createLogger({ component: 'kafkajs' }, 'warn'));
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error: "Timed out after 30000 ms waiting for <what>". */
  what?: string;
}

/**
 * Polls `predicate` until it returns a truthy value, which is returned. A throwing predicate counts
 * as "not yet" (the broker may still be electing a leader); its last error is in the timeout message.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${errorMessage(lastError)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Creates the topics and waits until each partition has a leader, so producing right after works. */
export async function createTopics(admin: Admin, names: string[], partitions = 1): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
  });
  await waitFor(
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      return topics.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0));
    },
    { what: `leaders for topics ${names.join(', ')}` },
  );
}
