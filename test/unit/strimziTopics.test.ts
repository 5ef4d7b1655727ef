import { parseAllDocuments } from 'yaml';
import { isRfc1123Subdomain, kubernetesTopicName, strimziTopics, strimziTopicsYaml } from '../../src/deploy/strimziTopics';
import type { ResolvedTopic, ResolvedTopology } from '../../src/topology/loader';

function topic(name: string, extra: Partial<ResolvedTopic> = {}): ResolvedTopic {
  return { name, partitions: 4, replicationFactor: 1, compacted: false, implicit: false, ...extra };
}

function topology(topics: ResolvedTopic[]): ResolvedTopology {
  return { name: 't', clientId: 't', kafka: {}, topics, stages: [] };
}

describe('kubernetesTopicName', () => {
  test('keeps names that are already valid, dots included', () => {
    expect(kubernetesTopicName('curated.tier5')).toBe('curated.tier5');
    expect(kubernetesTopicName('tier-filter.dlq')).toBe('tier-filter.dlq');
  });

  test('lowercases, replaces invalid characters and adds a hash of the exact name', () => {
    const name = kubernetesTopicName('Tier_5.DLQ');
    expect(name).toMatch(/^tier-5\.dlq-[0-9a-f]{8}$/);
    expect(isRfc1123Subdomain(name)).toBe(true);
    // The same topic always gets the same name (a renamed KafkaTopic would delete the topic).
    expect(kubernetesTopicName('Tier_5.DLQ')).toBe(name);
  });

  test('names differing only in case or underscores stay distinct', () => {
    const names = ['Tier_5.DLQ', 'tier_5.dlq', 'tier-5.dlq', 'TIER-5.DLQ'].map(kubernetesTopicName);
    expect(new Set(names).size).toBe(4);
    expect(names.every(isRfc1123Subdomain)).toBe(true);
  });

  test('labels may not start or end with "-" or be empty', () => {
    for (const t of ['__consumer_offsets', 'a..b', '_x_.-y-', '-', '.', 'a'.repeat(249), `${'B_'.repeat(124)}c`]) {
      const name = kubernetesTopicName(t);
      expect({ t, valid: isRfc1123Subdomain(name) }).toEqual({ t, valid: true });
    }
    expect(kubernetesTopicName('__consumer_offsets')).toMatch(/^consumer-offsets-[0-9a-f]{8}$/);
  });
});

describe('strimziTopics', () => {
  const resolved = topology([
    topic('documents', { retentionMs: 604_800_000, maxMessageBytes: 11_534_336 }),
    topic('candidates', { retentionMs: -1, minInsyncReplicas: 2, compression: 'gzip' }),
    topic('curated.tier5', { compacted: true }),
    topic('seen.Aged', { compacted: true, retentionMs: 86_400_000, partitions: 8, replicationFactor: 3 }),
    topic('segment.dlq', { implicit: true }),
  ]);

  test('one KafkaTopic per topic with the exact topic name, partitions, replicas and labels', () => {
    const resources = strimziTopics(resolved, { cluster: 'c1', namespace: 'ns' });
    expect(resources.map((r) => r.spec.topicName)).toEqual(['documents', 'candidates', 'curated.tier5', 'seen.Aged', 'segment.dlq']);
    expect(resources[3]).toMatchObject({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: { namespace: 'ns', labels: { 'strimzi.io/cluster': 'c1' } },
      spec: { topicName: 'seen.Aged', partitions: 8, replicas: 3 },
    });
    expect(resources[3].metadata.name).toMatch(/^seen\.aged-[0-9a-f]{8}$/);
  });

  test('configs come from retention, compaction, message size, min ISR and compression (topicConfigEntries)', () => {
    const config = Object.fromEntries(strimziTopics(resolved).map((r) => [r.spec.topicName, r.spec.config]));
    expect(config).toEqual({
      documents: { 'retention.ms': '604800000', 'max.message.bytes': '11534336' },
      candidates: { 'retention.ms': '-1', 'min.insync.replicas': '2', 'compression.type': 'gzip' },
      'curated.tier5': { 'cleanup.policy': 'compact' },
      'seen.Aged': { 'cleanup.policy': 'compact,delete', 'retention.ms': '86400000' },
      'segment.dlq': undefined, // broker defaults: no config block at all
    });
  });

  test('--replicas overrides every topic; defaults are cluster humpback in namespace kafka', () => {
    const resources = strimziTopics(resolved, { cluster: 'humpback', namespace: 'kafka', replicas: 3 });
    expect(resources.every((r) => r.spec.replicas === 3)).toBe(true);
    expect(strimziTopics(resolved)[0].metadata).toEqual({ name: 'documents', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'humpback' } });
  });

  test('metadata names are unique even when a topic is named like another one sanitised', () => {
    const tricky = topology([topic('Tier_5.DLQ'), topic(kubernetesTopicName('Tier_5.DLQ')), topic('tier-5.dlq')]);
    const names = strimziTopics(tricky).map((r) => r.metadata.name);
    expect(new Set(names).size).toBe(3);
    expect(names.every(isRfc1123Subdomain)).toBe(true);
  });

  test('the YAML text is one parseable document per topic', () => {
    const docs = parseAllDocuments(strimziTopicsYaml(resolved));
    expect(docs.map((d) => d.errors)).toEqual(docs.map(() => []));
    expect(docs.map((d) => (d.toJS() as { spec: { topicName: string } }).spec.topicName)).toEqual(resolved.topics.map((t) => t.name));
    // Values Kubernetes wants as strings stay strings ("-1", not -1).
    expect((docs[1].toJS() as { spec: { config: Record<string, unknown> } }).spec.config['retention.ms']).toBe('-1');
  });
});
