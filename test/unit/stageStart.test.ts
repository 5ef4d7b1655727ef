/**
 * Starting a stage when the broker goes away mid-start (seen in the broker-kill9 fault trials: a
 * kill -9 while a process was starting its third stage made `humpback run` exit with kafkajs'
 * "Closed connection"): runStages closes what the failed attempt opened, waits and starts the stage
 * afresh. Against the kafkajs doubles of test/helpers/fakeKafka.ts.
 */
import { KafkaJSConnectionError } from 'kafkajs';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/core/logger';
import { ConfigError } from '../../src/core/errors';
import { createSerde } from '../../src/kafka/serde/avroSerde';
import { runStages } from '../../src/session/stageSession';
import { parseTopology, resolveTopology } from '../../src/topology/loader';
import { fakeKafka, until } from '../helpers/fakeKafka';

const stages = resolveTopology(
  parseTopology(
    `
version: 1
name: start
topics:
  - { name: start.in, schema: humpback.Segment }
  - { name: start.out, schema: humpback.Segment }
stages:
  - { name: pass, type: passthrough, input: start.in, output: start.out }
`,
    'start.yaml',
  ),
).stages;

async function run(connectFailures: Error[]): Promise<{ outcome: Promise<'drained' | 'stopped'>; fake: ReturnType<typeof fakeKafka>; lines: string[] }> {
  const fake = fakeKafka({ consumerConnectFailures: connectFailures });
  const lines: string[] = [];
  const logger = createLogger({}, 'info', (line) => void lines.push(line));
  const outcome = runStages(stages, { kafka: fake.kafka, serde: await createSerde({ env: {} }), logger, registry: new Registry() }, { untilDrained: false });
  return { outcome, fake, lines };
}

it('a connection the broker closes while a stage starts: the half-started clients are closed, the stage starts again after a wait', async () => {
  const { outcome, fake, lines } = await run([new KafkaJSConnectionError('Closed connection')]);
  try {
    await until(() => lines.some((l) => l.includes('INFO stage started')));
    expect(fake.calls).toMatchObject({ producerConnects: 2, runs: 1 });
    // The failed attempt's producer (connected) and consumer were let go before the second attempt.
    expect(fake.calls).toMatchObject({ producerDisconnects: 1, consumerDisconnects: 1 });
    expect(lines.filter((l) => l.includes('WARN broker unavailable while starting the stage; retrying'))).toHaveLength(1);
  } finally {
    process.emit('SIGTERM');
  }
  await expect(outcome).resolves.toBe('stopped');
});

it('a configuration error while starting is not retried: runStages rejects with it', async () => {
  const { outcome, fake, lines } = await run([new ConfigError('the schema registry refuses our credentials. Fix: set SCHEMA_REGISTRY_AUTH')]);
  await expect(outcome).rejects.toThrow(/refuses our credentials/);
  expect(fake.calls).toMatchObject({ producerConnects: 1, runs: 0 });
  expect(lines.some((l) => l.includes('retrying'))).toBe(false);
});

it('a signal while the start waits for the broker ends the run as stopped, with no stage started', async () => {
  const down = Array.from({ length: 20 }, () => new KafkaJSConnectionError('Connection refused'));
  const { outcome, fake, lines } = await run(down);
  await until(() => lines.some((l) => l.includes('WARN broker unavailable while starting the stage; retrying')));
  process.emit('SIGTERM');
  await expect(outcome).resolves.toBe('stopped');
  expect(fake.calls.runs).toBe(0);
  expect(lines.some((l) => l.includes('INFO stage started'))).toBe(false);
});
