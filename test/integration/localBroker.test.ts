/**
 * The local broker against a real JVM. Lifecycle tests (stop, kill -9) run a second broker in a temp
 * HUMPBACK_HOME with its own ports, so the suite's broker other test files use is never disturbed;
 * the jar cache is shared so nothing is downloaded twice.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Partitioners } from 'kafkajs';
import { createKafka } from '../../src/kafka/brokers';
import { defaultJarsDir } from '../../src/dev/broker/layout';
import { killLocalBroker, localBrokerStatus, type LocalBrokerOptions, startLocalBroker, stopLocalBroker } from '../../src/dev/localBroker';
import { ConfigError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { createTopics, testKafka, uniqueName } from '../helpers/kafka';
import { testBrokerOptions } from '../helpers/testBroker';

const quiet = createLogger({ component: 'test-own-broker' }, 'warn');

async function withAdmin<T>(brokers: string, fn: (admin: ReturnType<ReturnType<typeof createKafka>['admin']>) => Promise<T>): Promise<T> {
  const admin = createKafka([brokers], uniqueName('test-admin'), quiet).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

describe('a local broker in its own home', () => {
  let home: string;
  let opts: LocalBrokerOptions;
  let brokers: string;
  const topic = uniqueName('survives');

  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-broker-test-'));
    opts = { home, jarsDir: defaultJarsDir(), logger: quiet };
  });

  afterAll(async () => {
    await stopLocalBroker({ home });
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('starts one broker when two callers race, and returns it when already running', async () => {
    const [a, b] = await Promise.all([startLocalBroker(opts), startLocalBroker(opts)]);
    expect([a.alreadyRunning, b.alreadyRunning].sort()).toEqual([false, true]);
    expect(b.pid).toBe(a.pid);
    expect(b.brokers).toBe(a.brokers);
    brokers = a.brokers;

    const again = await startLocalBroker(opts);
    expect(again).toMatchObject({ alreadyRunning: true, pid: a.pid, brokers });
    await expect(localBrokerStatus({ home })).resolves.toMatchObject({ running: true, pid: a.pid, brokers });
  });

  it('keeps topics and records across stop and start, on the same address', async () => {
    await withAdmin(brokers, async (admin) => {
      await createTopics(admin, [topic], 2);
    });
    const producer = createKafka([brokers], uniqueName('test-producer'), quiet).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', partition: 1 }] });
    await producer.disconnect();

    await expect(stopLocalBroker({ home })).resolves.toBe(true);
    await expect(localBrokerStatus({ home })).resolves.toMatchObject({ running: false });
    await expect(stopLocalBroker({ home })).resolves.toBe(false);

    const restarted = await startLocalBroker(opts);
    expect(restarted).toMatchObject({ alreadyRunning: false, brokers });
    await withAdmin(brokers, async (admin) => {
      expect(await admin.listTopics()).toContain(topic);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.find((o) => o.partition === 1)?.high).toBe('1');
    });
  });

  it('comes back after kill -9 on the same data dir and ports', async () => {
    const before = await localBrokerStatus({ home });
    const killed = await killLocalBroker('SIGKILL', { home });
    expect(killed).toBe(before.pid);
    await expect(localBrokerStatus({ home })).resolves.toMatchObject({ running: false });

    const back = await startLocalBroker(opts);
    expect(back.alreadyRunning).toBe(false);
    expect(back.pid).not.toBe(killed);
    expect(back.brokers).toBe(brokers);
    await withAdmin(brokers, async (admin) => {
      expect(await admin.listTopics()).toContain(topic);
    });
  });

  it('refuses to start, in one line, when a kept port is taken by another process', async () => {
    await stopLocalBroker({ home });
    const port = Number(brokers.split(':')[1]);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const err: unknown = await startLocalBroker(opts).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain(`127.0.0.1:${port}`);
      expect(message).toContain('in use by another process');
      expect(message).not.toContain('\n');
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    await expect(startLocalBroker(opts)).resolves.toMatchObject({ alreadyRunning: false, brokers });
  });

  it('starts empty with emptyOnStart (a throwaway broker), even when its old port is taken, but never empties a running one', async () => {
    await expect(startLocalBroker({ ...opts, emptyOnStart: true })).resolves.toMatchObject({ alreadyRunning: true });
    await withAdmin(brokers, async (admin) => {
      expect(await admin.listTopics()).toContain(topic);
    });
    await stopLocalBroker({ home });
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(brokers.split(':')[1]), '127.0.0.1', resolve));
    try {
      const fresh = await startLocalBroker({ ...opts, emptyOnStart: true });
      expect(fresh.alreadyRunning).toBe(false);
      expect(fresh.brokers).not.toBe(brokers);
      await withAdmin(fresh.brokers, async (admin) => {
        expect(await admin.listTopics()).not.toContain(topic);
      });
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});

describe('the shared test broker', () => {
  it('answers on KAFKA_BROKERS', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.length).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
    }
  });

  // Only when globalSetup chose the local broker (not an external KAFKA_BROKERS).
  const itLocal = process.env.HUMPBACK_TEST_LOCAL_BROKER === '1' ? it : it.skip;
  itLocal('is returned, not restarted, by another start', async () => {
    const b = await startLocalBroker({ logger: quiet, ...testBrokerOptions() });
    expect(b).toMatchObject({ alreadyRunning: true, brokers: process.env.KAFKA_BROKERS });
  });
});
