import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { formatApplyTable, lintTopology, type Io } from '../../src/cli/commands/topology';
import { topicConfigEntries } from '../../src/kafka/admin';
import { ConfigError } from '../../src/core/errors';
import { STAGES, registerStage } from '../../src/stages/registry';
import type { StageDefinition } from '../../src/stages/stage';
import { loadTopology, parseTopology, resolveTopology } from '../../src/topology/loader';
import { closest, formatPath } from '../../src/topology/names';
import { buildTopologySchema } from '../../src/topology/schema';

const DEFAULT_FILE = path.join(__dirname, '..', '..', 'topologies', 'humpback.yaml');

function capture(): Io & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l) };
}

function tempFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-'));
  const file = path.join(dir, 't.yaml');
  fs.writeFileSync(file, text);
  return file;
}

describe('the default topology', () => {
  const topology = loadTopology(DEFAULT_FILE);
  const resolved = resolveTopology(topology);

  test('declares the pipeline topics with their record types', () => {
    const schemaOf = Object.fromEntries(resolved.topics.map((t) => [t.name, t.schema]));
    expect(schemaOf).toEqual({
      documents: 'humpback.Document',
      segments: 'humpback.Segment',
      candidates: 'humpback.Candidate',
      scored: 'humpback.ScoredCandidate',
      'curated.tier5': 'humpback.CuratedExample',
      'curated.tier4': 'humpback.CuratedExample',
      'segments.raw': 'humpback.Segment',
      'segments.seen': 'humpback.Segment',
      'segment.dlq': 'humpback.DeadLetter',
      'dedup.dlq': 'humpback.DeadLetter',
      'backtranslate.dlq': 'humpback.DeadLetter',
      'score.dlq': 'humpback.DeadLetter',
      'tier-filter.dlq': 'humpback.DeadLetter',
    });
    expect(resolved.topics.every((t) => t.partitions === 4 && t.replicationFactor === 1)).toBe(true);
  });

  test('adds the implicit dead-letter topics and names the consumer groups', () => {
    expect(resolved.topics.find((t) => t.name === 'segment.dlq')).toMatchObject({ implicit: true, compacted: false });
    expect(resolved.topics.find((t) => t.name === 'segments.seen')).toMatchObject({ implicit: false, compacted: true });
    expect(resolved.stages).toEqual([
      expect.objectContaining({
        name: 'segment',
        type: 'segment',
        input: 'documents',
        output: 'segments.raw',
        dlq: 'segment.dlq',
        groupId: 'humpback.segment',
        concurrency: 4,
        maxInFlight: 256,
        retries: 3,
        sessionTimeoutMs: 30000,
        replicas: 1,
        extraOutputs: [],
        recordTypes: { input: 'humpback.Document', output: 'humpback.Segment' },
      }),
      expect.objectContaining({
        name: 'dedup',
        input: 'segments.raw',
        output: 'segments',
        dlq: 'dedup.dlq',
        groupId: 'humpback.dedup',
        recordTypes: { input: 'humpback.Segment', output: 'humpback.Segment' },
      }),
      expect.objectContaining({
        name: 'backtranslate',
        input: 'segments',
        output: 'candidates',
        dlq: 'backtranslate.dlq',
        groupId: 'humpback.backtranslate',
        sessionTimeoutMs: 120000,
        recordTypes: { input: 'humpback.Segment', output: 'humpback.Candidate' },
      }),
      expect.objectContaining({
        name: 'score',
        input: 'candidates',
        output: 'scored',
        dlq: 'score.dlq',
        groupId: 'humpback.score',
        sessionTimeoutMs: 120000,
        recordTypes: { input: 'humpback.Candidate', output: 'humpback.ScoredCandidate' },
      }),
      expect.objectContaining({
        name: 'tier-filter',
        input: 'scored',
        output: 'curated.tier5',
        dlq: 'tier-filter.dlq',
        groupId: 'humpback.tier-filter',
        extraOutputs: ['curated.tier5', 'curated.tier4'],
        recordTypes: { input: 'humpback.ScoredCandidate', output: 'humpback.CuratedExample' },
      }),
    ]);
    expect(resolved.stages[0].config.minChars).toBe(600);
    // The LLM stages default to the embedded model: no endpoints in the default topology.
    expect(resolved.stages[2].config.llm).toMatchObject({ embedded: { contexts: 2, sequences: 1, contextSize: 4096 } });
    expect(resolved.stages[2].config.llm).not.toHaveProperty('endpoints');
    expect(resolved.stages[3].config).toMatchObject({ temperature: 0, parseRetries: 2, iteration: 1 });
    expect(resolved.clientId).toBe('humpback');
  });

  test('lint prints one ok line and exits 0', () => {
    const io = capture();
    expect(lintTopology(DEFAULT_FILE, io)).toBe(0);
    expect(io.outLines).toEqual(['ok: 13 topics, 5 stages']);
    expect(io.errLines).toEqual([]);
  });
});

describe('defaults and resolution', () => {
  const minimal = `version: 1
name: mini
topics:
  - name: in
    schema: humpback.Segment
    partitions: 2
  - name: out
    schema: humpback.Segment
    retentionMs: -1
    compacted: true
  - name: shared.dlq
    replicationFactor: 3
stages:
  - name: a
    type: passthrough
    input: in
    output: out
    dlq: shared.dlq
  - name: b
    type: passthrough
    input: out
    output: in
    concurrency: 2
    maxInFlight: 2
`;
  const resolved = resolveTopology(parseTopology(minimal, 'mini.yaml'));

  test('topic defaults fill what a topic leaves out', () => {
    expect(resolved.topics.map((t) => [t.name, t.partitions, t.replicationFactor])).toEqual([
      ['in', 2, 1],
      ['out', 4, 1],
      ['shared.dlq', 4, 3],
      ['b.dlq', 4, 1],
    ]);
    expect(resolved.topics[1]).toMatchObject({ retentionMs: -1, compacted: true });
  });

  test('a declared dead-letter topic without schema carries dead letters; only undeclared ones are implicit', () => {
    expect(resolved.topics.find((t) => t.name === 'shared.dlq')).toMatchObject({ schema: 'humpback.DeadLetter', implicit: false });
    expect(resolved.topics.find((t) => t.name === 'b.dlq')).toMatchObject({ schema: 'humpback.DeadLetter', implicit: true });
  });

  test('stages get their dlq, group id and options', () => {
    expect(resolved.stages.map((s) => [s.name, s.dlq, s.groupId, s.concurrency, s.maxInFlight])).toEqual([
      ['a', 'shared.dlq', 'mini.a', 8, 256],
      ['b', 'b.dlq', 'mini.b', 2, 2],
    ]);
    expect(resolved.clientId).toBe('mini');
  });

  test('a named dead-letter topic may omit its schema, whatever its name', () => {
    const text = minimal.replace('shared.dlq\n    replicationFactor', 'deadletters\n    replicationFactor').replace('dlq: shared.dlq', 'dlq: deadletters');
    const topics = resolveTopology(parseTopology(text, 'mini.yaml')).topics;
    expect(topics.find((t) => t.name === 'deadletters')).toMatchObject({ schema: 'humpback.DeadLetter' });
    expect(topics.map((t) => t.name)).not.toContain('a.dlq');
  });

  test('a stage may read a dead-letter topic (e.g. to re-drive dead letters)', () => {
    const text = minimal + '  - name: redrive\n    type: passthrough\n    record: humpback.DeadLetter\n    input: b.dlq\n    output: shared.dlq\n';
    expect(() => parseTopology(text, 'mini.yaml')).not.toThrow();
  });
});

describe('the stage registry drives the schema', () => {
  const enrichConfig = z.object({ model: z.string(), temperature: z.number().min(0).max(2).default(0.7) });
  const enrichStage: StageDefinition<typeof enrichConfig.shape, 'humpback.Segment', 'humpback.Candidate'> = {
    type: 'enrich',
    description: 'a stage type unknown to the topology code',
    meta: { category: 'generate', callsLlm: false, scaling: { bound: 'wait', autoscale: false } },
    configSchema: enrichConfig,
    recordTypes: () => ({ input: 'humpback.Segment', output: 'humpback.Candidate' }),
    create: () => () => [],
  };
  const enrich = registerStage(enrichStage);
  const text = `version: 1
name: x
topics:
  - name: segments
    schema: humpback.Segment
  - name: candidates
    schema: humpback.Candidate
stages:
  - name: enrich
    type: enrich
    input: segments
    output: candidates
    model: m1
`;

  test('a new stage type and its options validate without topology changes', () => {
    const topology = parseTopology(text, 'x.yaml', [...STAGES, enrich]);
    expect(topology.stages[0]).toMatchObject({ type: 'enrich', model: 'm1', temperature: 0.7 });
  });

  test('its options are checked with their paths', () => {
    expect(() => parseTopology(text.replace('model: m1', 'model: m1\n    temperature: 3'), 'x.yaml', [...STAGES, enrich])).toThrow(
      'x.yaml: stages[0].temperature: number 3 is out of range (line 14). Fix: use a value <= 2',
    );
  });

  test('a registry option clashing with a common field is a programming error', () => {
    const { description, meta } = enrichStage;
    const recordTypes = () => ({ input: 'humpback.Segment', output: 'humpback.Segment' }) as const;
    const clash = registerStage({ type: 'clash', description, meta, configSchema: z.object({ input: z.number() }), recordTypes, create: () => () => [] });
    expect(() => buildTopologySchema([clash])).toThrow('clash with common stage fields');
  });
});

describe('lint and load', () => {
  test('lint prints every problem line and exits 1', () => {
    const file = tempFile('version: 2\nname: t\ntopics:\n  - name: a b\n');
    const io = capture();
    expect(lintTopology(file, io)).toBe(1);
    expect(io.outLines).toEqual([]);
    expect(io.errLines).toHaveLength(2);
    expect(io.errLines[0]).toBe(`${file}: version: number 2 is not supported (line 1). Fix: write "version: 1"`);
    expect(io.errLines[1]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: topics\\[0\\]\\.name: `));
  });

  test('a missing file is a ConfigError naming the file', () => {
    expect(() => loadTopology('/nonexistent/t.yaml')).toThrow(ConfigError);
    expect(() => loadTopology('/nonexistent/t.yaml')).toThrow('/nonexistent/t.yaml: cannot read the topology file (ENOENT)');
    const io = capture();
    expect(lintTopology('/nonexistent/t.yaml', io)).toBe(1);
  });
});

describe('topic configs and the apply table', () => {
  test.each([
    [{ compacted: false }, []],
    [{ compacted: true }, [{ name: 'cleanup.policy', value: 'compact' }]],
    [{ compacted: false, retentionMs: -1 }, [{ name: 'retention.ms', value: '-1' }]],
    [
      { compacted: true, retentionMs: 1000 },
      [
        { name: 'cleanup.policy', value: 'compact,delete' },
        { name: 'retention.ms', value: '1000' },
      ],
    ],
    [
      { compacted: false, maxMessageBytes: 11_534_336, minInsyncReplicas: 2, compression: 'gzip' as const },
      [
        { name: 'max.message.bytes', value: '11534336' },
        { name: 'min.insync.replicas', value: '2' },
        { name: 'compression.type', value: 'gzip' },
      ],
    ],
  ])('%j -> %j', (spec, entries) => {
    expect(topicConfigEntries({ name: 't', partitions: 1, replicationFactor: 1, ...spec })).toEqual(entries);
  });

  test('the table shows each topic once with its status and a note for mismatches', () => {
    const topic = (name: string, partitions: number) => ({ name, partitions, replicationFactor: 1, compacted: false, implicit: false });
    const lines = formatApplyTable([topic('a', 4), topic('bb', 4), topic('c', 4), topic('d', 4)], {
      created: ['a'],
      existing: ['bb', 'c', 'd'],
      mismatched: [
        { topic: 'c', declared: 4, actual: 2 },
        { topic: 'd', declared: 4, actual: 8 },
      ],
    });
    expect(lines).toEqual([
      'TOPIC  PARTITIONS  STATUS      NOTE',
      'a      4           created',
      'bb     4           existing',
      "c      4           mismatched  declared 4 partitions, has 2; growing it is the operator's call (kafka-topics --alter --partitions)",
      'd      4           mismatched  declared 4 partitions, has 8; Kafka cannot remove partitions: update the topology',
      '1 created, 3 existing (0 with configs updated), 2 mismatched',
    ]);
  });

  test('an existing topic whose declared configs were set shows each change', () => {
    const topic = { name: 'docs', partitions: 4, replicationFactor: 1, compacted: false, implicit: false };
    const lines = formatApplyTable([topic], { created: [], existing: ['docs'], mismatched: [] }, [
      { topic: 'docs', changes: [{ name: 'max.message.bytes', from: '1048588', to: '11534336' }, { name: 'compression.type', from: 'producer', to: 'gzip' }] },
    ]);
    expect(lines).toEqual([
      'TOPIC  PARTITIONS  STATUS   NOTE',
      'docs   4           updated  max.message.bytes 1048588 -> 11534336; compression.type producer -> gzip',
      '0 created, 1 existing (1 with configs updated), 0 mismatched',
    ]);
  });
});

describe('naming helpers', () => {
  test.each([
    [['stages', 2, 'llm', 'baseUrl'], 'stages[2].llm.baseUrl'],
    [['version'], 'version'],
    [[], '(top level)'],
  ])('formatPath(%j) = %s', (p, text) => expect(formatPath(p)).toBe(text));

  test.each([
    ['inptu', ['name', 'input', 'output'], 'input'],
    ['passthru', ['passthrough', 'segment'], 'passthrough'],
    ['MaxInflight', ['maxInFlight', 'concurrency'], 'maxInFlight'],
    ['zzz', ['input', 'output'], undefined],
    ['x', ['abc'], undefined],
  ])('closest(%s)', (word, choices, match) => expect(closest(word, choices)).toBe(match));
});
