import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { registerTopologyCommands } from '../../src/cli/commands/topology';
import { applyTopics, type TopicSpec } from '../../src/kafka/admin';
import { updateTopicConfigs } from '../../src/kafka/topicConfigs';
import { parseTopology, resolveTopology } from '../../src/topology/loader';
import { createTopics, testKafka, uniqueName } from '../helpers/kafka';

/** `topics apply` against the real broker: idempotence, mismatch reports, topic configs. */
describe('applyTopics', () => {
  let admin: Admin;

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  async function topicConfigs(topic: string, configNames = ['cleanup.policy', 'retention.ms']): Promise<Record<string, string>> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames }],
    });
    return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  }

  async function partitionCount(topic: string): Promise<number> {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0].partitions.length;
  }

  test('creates missing topics once; a second apply finds them all existing', async () => {
    const specs: TopicSpec[] = [
      { name: uniqueName('apply-a'), partitions: 3, replicationFactor: 1, compacted: false },
      { name: uniqueName('apply-b'), partitions: 1, replicationFactor: 1, compacted: true },
      { name: uniqueName('apply-c'), partitions: 2, replicationFactor: 1, compacted: false, retentionMs: 3_600_000 },
    ];
    const first = await applyTopics(admin, specs);
    expect(first).toEqual({ created: specs.map((s) => s.name), existing: [], mismatched: [] });
    for (const spec of specs) expect(await partitionCount(spec.name)).toBe(spec.partitions);

    const second = await applyTopics(admin, specs);
    expect(second).toEqual({ created: [], existing: specs.map((s) => s.name), mismatched: [] });
  });

  test('sets compaction and retention configs', async () => {
    const compacted = uniqueName('apply-compact');
    const retained = uniqueName('apply-retain');
    const both = uniqueName('apply-both');
    const forever = uniqueName('apply-forever');
    await applyTopics(admin, [
      { name: compacted, partitions: 1, replicationFactor: 1, compacted: true },
      { name: retained, partitions: 1, replicationFactor: 1, compacted: false, retentionMs: 604_800_000 },
      { name: both, partitions: 1, replicationFactor: 1, compacted: true, retentionMs: 86_400_000 },
      { name: forever, partitions: 1, replicationFactor: 1, compacted: false, retentionMs: -1 },
    ]);
    expect(await topicConfigs(compacted)).toMatchObject({ 'cleanup.policy': 'compact' });
    expect(await topicConfigs(retained)).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': '604800000' });
    expect(await topicConfigs(both)).toMatchObject({ 'cleanup.policy': 'compact,delete', 'retention.ms': '86400000' });
    expect(await topicConfigs(forever)).toMatchObject({ 'retention.ms': '-1' });
  });

  test('sets message size, min ISR and compression on a new topic', async () => {
    const name = uniqueName('apply-settings');
    await applyTopics(admin, [{ name, partitions: 1, replicationFactor: 1, compacted: false, maxMessageBytes: 11_534_336, minInsyncReplicas: 1, compression: 'gzip' }]);
    expect(await topicConfigs(name, ['max.message.bytes', 'min.insync.replicas', 'compression.type'])).toEqual({
      'max.message.bytes': '11534336',
      'min.insync.replicas': '1',
      'compression.type': 'gzip',
    });
  });

  test("an existing topic gets the declared configs; an operator's other overrides stay", async () => {
    const name = uniqueName('apply-update');
    await applyTopics(admin, [{ name, partitions: 1, replicationFactor: 1, compacted: false, retentionMs: 3_600_000 }]);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'segment.ms', value: '600000' }] }],
    });
    const spec: TopicSpec = { name, partitions: 1, replicationFactor: 1, compacted: false, retentionMs: 7_200_000, maxMessageBytes: 2_097_152, compression: 'gzip' };
    expect(await updateTopicConfigs(admin, [spec])).toEqual([
      {
        topic: name,
        changes: [
          { name: 'retention.ms', from: '3600000', to: '7200000' },
          { name: 'max.message.bytes', from: '1048588', to: '2097152' },
          { name: 'compression.type', from: 'producer', to: 'gzip' },
        ],
      },
    ]);
    expect(await topicConfigs(name, ['retention.ms', 'max.message.bytes', 'compression.type', 'segment.ms'])).toEqual({
      'retention.ms': '7200000',
      'max.message.bytes': '2097152',
      'compression.type': 'gzip',
      'segment.ms': '600000',
    });
    expect(await updateTopicConfigs(admin, [spec])).toEqual([]); // nothing left to change
  });

  test('reports a partition mismatch and changes nothing', async () => {
    const fewer = uniqueName('apply-fewer');
    const more = uniqueName('apply-more');
    await createTopics(admin, [fewer], 2);
    await createTopics(admin, [more], 3);
    const result = await applyTopics(admin, [
      { name: fewer, partitions: 4, replicationFactor: 1, compacted: false },
      { name: more, partitions: 1, replicationFactor: 1, compacted: false },
    ]);
    expect(result).toEqual({
      created: [],
      existing: [fewer, more],
      mismatched: [
        { topic: fewer, declared: 4, actual: 2 },
        { topic: more, declared: 1, actual: 3 },
      ],
    });
    expect(await partitionCount(fewer)).toBe(2);
    expect(await partitionCount(more)).toBe(3);
  });

  test('a resolved topology applies its topics, implicit dead-letter topics included', async () => {
    const prefix = uniqueName('topo');
    const topology = resolveTopology(
      parseTopology(
        `version: 1
name: ${prefix}
defaults: { partitions: 2 }
topics:
  - { name: ${prefix}.in, schema: humpback.Segment }
  - { name: ${prefix}.out, schema: humpback.Segment, compacted: true }
stages:
  - { name: ${prefix}-copy, type: passthrough, input: ${prefix}.in, output: ${prefix}.out }
`,
        'inline.yaml',
      ),
    );
    const result = await applyTopics(admin, topology.topics);
    expect(result.created).toEqual([`${prefix}.in`, `${prefix}.out`, `${prefix}-copy.dlq`]);
    expect(await partitionCount(`${prefix}-copy.dlq`)).toBe(2);
  });

  test('`humpback topics apply --topology F` prints the table', async () => {
    const prefix = uniqueName('cli');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'topics-apply-'));
    const file = path.join(dir, 't.yaml');
    fs.writeFileSync(file, `version: 1\nname: ${prefix}\ndefaults: { partitions: 1 }\ntopics:\n  - { name: ${prefix}.docs, schema: humpback.Document }\n`);
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const run = async () => {
      const program = new Command('humpback').exitOverride();
      registerTopologyCommands(program);
      await program.parseAsync(['node', 'humpback', 'topics', 'apply', '--topology', file]);
    };
    try {
      await run();
      await run();
    } finally {
      spy.mockRestore();
    }
    const out = written.join('');
    expect(out).toMatch(new RegExp(`${prefix}\\.docs\\s+1\\s+created`));
    expect(out).toMatch(new RegExp(`${prefix}\\.docs\\s+1\\s+existing`));
    expect(out).toContain('1 created, 0 existing (0 with configs updated), 0 mismatched');
    expect(out).toContain('0 created, 1 existing (0 with configs updated), 0 mismatched');
    expect(process.exitCode ?? 0).toBe(0);
  });
});
