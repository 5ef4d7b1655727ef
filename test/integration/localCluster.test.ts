/**
 * The local three-node KRaft cluster against real JVMs, in a temp home of its own (jars shared): a
 * partition leader killed with kill -9 is replaced and acks=all produces go on, the node comes back
 * and catches up, and the active controller's role moves when its node is killed.
 */
import { type Admin, ConfigResourceTypes, type Consumer, Partitioners, type Producer } from 'kafkajs';
import { createKafka } from '../../src/kafka/brokers';
import { activeController, localClusterStatus, signalNode, startNode } from '../../src/dev/localCluster';
import { createLogger } from '../../src/core/logger';
import { isOurProcess } from '../../src/dev/broker/process';
import { clusterMetadata, createClusterTopics, partitionLeader, startTestCluster, type TestCluster, waitFullyReplicated } from '../helpers/cluster';
import { uniqueName, waitFor } from '../helpers/kafka';

// The clients' connection errors to the nodes this file kills are expected: not worth a line.
const quiet = createLogger({ component: 'test-cluster' }, 'error', () => undefined);

/** A Kafka JVM with this pid runs: not a zombie (this process spawned it, and may not have reaped it yet). */
function alive(pid: number): boolean {
  return isOurProcess(pid, 'kafka.Kafka');
}

describe('a local three-node cluster', () => {
  let cluster: TestCluster;
  let admin: Admin;
  let producer: Producer;
  const topic = uniqueName('failover');

  const client = (prefix: string): ReturnType<typeof createKafka> => createKafka(cluster.brokers.split(','), uniqueName(prefix), quiet);
  const home = (): { home: string } => ({ home: cluster.home });

  beforeAll(async () => {
    cluster = await startTestCluster();
    admin = client('test-admin').admin();
    await admin.connect();
    producer = client('test-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await cluster?.stop();
  });

  it('starts every node, each listed in the metadata', async () => {
    expect(cluster.alreadyRunning).toBe(false);
    expect(cluster.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3]);
    expect(cluster.brokers.split(',')).toEqual(cluster.nodes.map((n) => n.address));
    // The node the admin asks may not have caught up with the last registration yet, and a node
    // starved of CPU can miss its 3 s broker session for a moment (seen on CI's 2 cores): wait for all three.
    const ids = async (): Promise<number[]> => (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort();
    await waitFor(async () => (await ids()).length === 3, { timeoutMs: 30_000, what: 'all three brokers in the metadata' });
    expect(await ids()).toEqual([1, 2, 3]);
    const status = await localClusterStatus(home());
    expect(status).toMatchObject({ running: true, brokers: cluster.brokers });
    expect(status.nodes.map((n) => n.pid)).toEqual(cluster.nodes.map((n) => n.pid));
  });

  it('replicates a topic three times with min.insync.replicas 2, and produces and consumes', async () => {
    await createClusterTopics(admin, [topic], 2);
    const { topics } = await clusterMetadata(admin, [topic]);
    expect(topics[0].partitions.map((p) => p.replicas.length)).toEqual([3, 3]);
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }] });
    expect(configs.resources[0].configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue).toBe('2');

    await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((v, i) => ({ key: v, value: v, partition: i % 2 })) });
    const consumer: Consumer = client('test-consumer').consumer({ groupId: uniqueName('test-group') });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      await waitFor(() => seen.length >= 3, { what: 'the three records consumed' });
    } finally {
      await consumer.disconnect();
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
  });

  it('elects another leader when the leader of partition 0 is killed, and acks=all produces go on', async () => {
    const leader = await partitionLeader(admin, topic, 0);
    const pid = await signalNode(leader, 'SIGKILL', home());
    expect(pid).toBe(cluster.nodes.find((n) => n.nodeId === leader)?.pid);
    expect(pid !== undefined && alive(pid)).toBe(false);

    const next = await waitFor(
      async () => {
        const id = await partitionLeader(admin, topic, 0);
        return id >= 0 && id !== leader ? id : undefined;
      },
      { timeoutMs: 20_000, what: `a leader of partition 0 other than node ${leader}` },
    );
    expect(next).not.toBe(leader);
    await producer.send({ topic, acks: -1, messages: [{ key: 'd', value: 'd', partition: 0 }] });

    await startNode(leader, { ...home(), logger: quiet });
    await waitFullyReplicated(admin, [topic], 30_000);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.find((o) => o.partition === 0)?.high).toBe('3');
  });

  it('moves the active controller role to another node when its node is killed', async () => {
    const controller = await waitFor(() => activeController(home()), { timeoutMs: 10_000, what: 'an active controller' });
    const status = await localClusterStatus(home());
    expect(status.nodes.find((n) => n.nodeId === controller)?.running).toBe(true);

    await signalNode(controller, 'SIGKILL', home());
    const next = await waitFor(
      () => {
        const id = activeController(home());
        return id !== undefined && id !== controller ? id : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: `an active controller other than node ${controller}` },
    );
    expect([1, 2, 3].filter((id) => id !== controller)).toContain(next);
    await producer.send({ topic, acks: -1, messages: [{ key: 'e', value: 'e', partition: 1 }] });
  });

  it('stops every node', async () => {
    const pids = (await localClusterStatus(home())).nodes.flatMap((n) => (n.pid === undefined ? [] : [n.pid]));
    expect(pids.length).toBe(2);
    await cluster.stop();
    expect(pids.filter(alive)).toEqual([]);
  });
});
