/**
 * A stage as a separate `humpback run` process on the real broker, killed the hard way (SIGKILL) and
 * the polite way (SIGTERM) mid-stream, then restarted.
 */
import { createSerde, type Serde } from '../../src/kafka/serde/avroSerde';
import { startCli } from '../helpers/cli';
import { testKafka, waitFor } from '../helpers/kafka';
import { collect, groupCaughtUp, keyedSegments, passthroughTopology, produceRecords, topicRecordCount } from '../helpers/pipeline';

const kafka = testKafka();
let serde: Serde;
beforeAll(async () => {
  serde = await createSerde();
});

const RECORDS = 30_000;

async function setUp() {
  // A short session timeout: the killed member's partitions are reassigned after 6 s, not 30 s.
  const topo = await passthroughTopology(kafka, { maxInFlight: 128, sessionTimeoutMs: 6000 });
  const records = keyedSegments(RECORDS, 500);
  await produceRecords(kafka, serde, topo.input, 'humpback.Segment', records.map((value) => ({ key: value.segment_id, value })));
  const out = await collect(kafka, serde, topo.output, 'humpback.Segment');
  return { topo, out, run: () => startCli(['run', '--topology', topo.file]) };
}

const identity = (i: { value: { segment_id: string; segment_index: number } }) => `${i.value.segment_id}/${i.value.segment_index}`;

it('loses nothing when the stage process is killed with SIGKILL mid-stream and restarted', async () => {
  const { topo, out, run } = await setUp();
  const first = run();
  await out.waitForCount(3000);
  first.child.kill('SIGKILL');
  const { signal } = await first.exited;
  expect(signal).toBe('SIGKILL');
  const beforeKill = out.items.length;

  const second = run();
  try {
    await waitFor(() => new Set(out.items.map(identity)).size === RECORDS, { timeoutMs: 90_000, what: `all ${RECORDS} records in the output` });
    await waitFor(() => groupCaughtUp(kafka, topo.groupId, topo.input), { what: 'offsets committed to the end' });
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
    await out.stop();
  }
  const total = await topicRecordCount(kafka, topo.output);
  // At-least-once: records after the last commit before the kill are processed again. Report them.
  process.stdout.write(`SIGKILL at ${beforeKill}/${RECORDS} outputs: 0 lost, ${total - RECORDS} duplicated\n`);
  expect(beforeKill).toBeLessThan(RECORDS);
  expect(total).toBeGreaterThanOrEqual(RECORDS);
});

it('produces no duplicates when the stage process is stopped with SIGTERM mid-stream and restarted', async () => {
  const { topo, out, run } = await setUp();
  const first = run();
  await out.waitForCount(3000);
  first.child.kill('SIGTERM');
  const exit = await first.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(first.stderr()).toMatch(/stopped cleanly/);
  const beforeStop = out.items.length;

  const second = run();
  try {
    await waitFor(() => groupCaughtUp(kafka, topo.groupId, topo.input), { timeoutMs: 90_000, what: 'offsets committed to the end' });
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
  await out.waitForCount(RECORDS);
  await out.stop();
  expect(beforeStop).toBeLessThan(RECORDS);
  expect(await topicRecordCount(kafka, topo.output)).toBe(RECORDS);
  expect(new Set(out.items.map(identity)).size).toBe(RECORDS);
});
