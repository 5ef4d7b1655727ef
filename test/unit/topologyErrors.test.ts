import { z } from 'zod';
import { STAGES, registerStage, type RegisteredStage } from '../../src/stages/registry';
import { parseTopology, TopologyError } from '../../src/topology/loader';

/**
 * Misconfiguration, table-driven: each broken topology must produce a line naming the exact YAML
 * path and a specific fix, in the format `<file>: <path>: <problem> (line N). Fix: <hint>`.
 */

const FILE = 'broken.yaml';
const BASE = `version: 1
name: t
topics:
  - name: documents
    schema: humpback.Document
  - name: segments
    schema: humpback.Segment
  - name: segments.copy
    schema: humpback.Segment
stages:
  - name: copy
    type: passthrough
    input: segments
    output: segments.copy
`;

/** A second stage type with extra outputs (like the tier filter), to test rules the passthrough stage cannot reach. */
const tierConfig = z.object({ tier5: z.string(), tier4: z.string() });
const tierStage = registerStage({
  type: 'tier',
  description: 'routes scored candidates to tier topics (test double)',
  meta: { category: 'curate', callsLlm: false, scaling: { bound: 'wait', autoscale: false } },
  configSchema: tierConfig,
  recordTypes: () => ({ input: 'humpback.ScoredCandidate', output: 'humpback.CuratedExample' }),
  extraOutputTopics: (config) => [config.tier5, config.tier4],
  create: () => () => [],
});
const WITH_TIER: readonly RegisteredStage[] = [...STAGES, tierStage];
const TIER_TOPICS = `
  - name: scored
    schema: humpback.ScoredCandidate
  - name: curated.tier5
    schema: humpback.CuratedExample
  - name: curated.tier4
    schema: humpback.CuratedExample
stages:`;

/** Problem lines for a topology text, or a failure if it is (unexpectedly) valid. */
function problems(text: string, stages: readonly RegisteredStage[] = STAGES): string[] {
  try {
    parseTopology(text, FILE, stages);
  } catch (err) {
    if (err instanceof TopologyError) return [...err.problems];
    throw err;
  }
  throw new Error('expected the topology to be rejected');
}

function edit(...pairs: [string, string][]): string {
  return pairs.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`test setup: "${from}" not in the base topology`);
    return text.replace(from, to);
  }, BASE);
}

interface Case {
  name: string;
  text: string;
  stages?: readonly RegisteredStage[];
  /** [path, fix]: some line starts with `<file>: <path>: ` and contains the fix text. */
  expect: [string, string][];
}

const cases: Case[] = [
  {
    name: 'unknown stage type, with the closest registered type',
    text: edit(['type: passthrough', 'type: passthru']),
    expect: [['stages[0].type', 'did you mean "passthrough"? Registered stage types: passthrough']],
  },
  {
    name: 'unknown key in a stage, with a suggestion and the allowed keys',
    text: edit(['    input: segments', '    inptu: segments']),
    expect: [
      ['stages[0].inptu', 'rename it to "input" (closest match) or remove it; allowed keys here: name, input, output'],
      ['stages[0].input', 'missing required field "input"'],
    ],
  },
  {
    name: 'unknown stage-specific key lists the stage type’s own options',
    text: edit(['output: segments.copy', 'output: segments.copy\n    recrod: humpback.Segment']),
    expect: [['stages[0].recrod', 'rename it to "record"']],
  },
  {
    name: 'unknown top-level key',
    text: edit(['topics:', 'topic:']),
    expect: [
      ['topic', 'rename it to "topics"'],
      ['topics', 'add "topics: <array>" to (top level)'],
    ],
  },
  {
    name: 'unknown key in a topic',
    text: edit(['    schema: humpback.Document', '    schema: humpback.Document\n    retention: 1000']),
    expect: [['topics[0].retention', 'rename it to "retentionMs"']],
  },
  {
    name: 'a topic compression kafkajs cannot read back',
    text: edit(['    schema: humpback.Document', '    schema: humpback.Document\n    compression: zstd']),
    expect: [['topics[0].compression', 'use one of producer, uncompressed, gzip: kafkajs, which reads every topic here, decodes gzip alone']],
  },
  {
    name: 'more in-sync replicas than replicas',
    text: edit(['    schema: humpback.Document', '    schema: humpback.Document\n    replicationFactor: 3\n    minInsyncReplicas: 4']),
    expect: [['topics[0].minInsyncReplicas', 'use minInsyncReplicas <= replicationFactor']],
  },
  {
    name: 'min ISR above the default replication factor',
    text: edit(['    schema: humpback.Segment\n', '    schema: humpback.Segment\n    minInsyncReplicas: 2\n']),
    expect: [['topics[1].minInsyncReplicas', '2 in-sync replicas needed but the topic has 1 replica(s)']],
  },
  {
    name: 'missing input topic (not declared), with the closest declared topic',
    text: edit(['input: segments', 'input: segmets']),
    expect: [['stages[0].input', 'did you mean "segments"? Declared topics: documents, segments, segments.copy; or declare "segmets" under topics']],
  },
  {
    name: 'undeclared output topic without a close match',
    text: edit(['output: segments.copy', 'output: elsewhere']),
    expect: [['stages[0].output', 'use a declared topic (documents, segments, segments.copy) or declare "elsewhere" under topics']],
  },
  {
    name: 'input schema mismatch',
    text: edit(['input: segments', 'input: documents']),
    expect: [['stages[0].input', 'use a topic whose schema is humpback.Segment (declared: segments, segments.copy), or fix topics[0].schema']],
  },
  {
    name: 'output schema mismatch names the topic entry to fix',
    text: edit(['output: segments.copy', 'output: documents']),
    expect: [['stages[0].output', 'topic "documents" carries humpback.Document, but stage "copy" (type passthrough) writes humpback.Segment']],
  },
  {
    name: 'stage option changes the expected type (record)',
    text: edit(['output: segments.copy', 'output: segments.copy\n    record: humpback.Document']),
    expect: [
      ['stages[0].input', 'use a topic whose schema is humpback.Document (declared: documents)'],
      ['stages[0].output', 'use a topic whose schema is humpback.Document'],
    ],
  },
  {
    name: 'wrong enum value in a stage option',
    text: edit(['output: segments.copy', 'output: segments.copy\n    record: humpback.Segmnt']),
    expect: [['stages[0].record', 'did you mean "humpback.Segment"? Allowed values: humpback.Document, humpback.Segment']],
  },
  {
    name: 'wrong topic schema name',
    text: edit(['schema: humpback.Document', 'schema: Document']),
    expect: [['topics[0].schema', 'use one of the allowed values: humpback.Document, humpback.Segment']],
  },
  {
    name: 'duplicate topic',
    text: edit(['  - name: segments.copy', '  - name: segments\n    schema: humpback.Segment\n  - name: segments.copy']),
    expect: [['topics[2].name', 'remove one of the two entries or rename it']],
  },
  {
    name: 'duplicate stage name',
    text: `${BASE}  - name: copy\n    type: passthrough\n    input: segments.copy\n    output: segments\n`,
    expect: [['stages[1].name', 'rename one: stage names name consumer groups']],
  },
  {
    name: 'bad topic name (space)',
    text: edit(['name: documents', 'name: "my documents"']),
    expect: [['topics[0].name', "use 1-249 characters from letters, digits, '.', '_' and '-'"]],
  },
  {
    name: 'bad topic name (..)',
    text: edit(['name: documents', 'name: ".."']),
    expect: [['topics[0].name', "not '.' or '..' alone"]],
  },
  {
    name: 'bad topic name (too long)',
    text: edit(['name: documents', `name: ${'d'.repeat(250)}`]),
    expect: [['topics[0].name', 'use 1-249 characters']],
  },
  {
    name: 'topics differing only by . and _ collide in Kafka',
    text: edit(['  - name: segments.copy', '  - name: segments_copy\n    schema: humpback.Segment\n  - name: segments.copy']),
    expect: [['topics[3].name', 'rename one of them so they differ by more than . versus _']],
  },
  {
    name: 'negative partitions',
    text: edit(['    schema: humpback.Document', '    schema: humpback.Document\n    partitions: -1']),
    expect: [['topics[0].partitions', 'use a value >= 1']],
  },
  {
    name: 'fractional partitions',
    text: edit(['    schema: humpback.Document', '    schema: humpback.Document\n    partitions: 2.5']),
    expect: [['topics[0].partitions', 'write a whole number, e.g. "partitions: 4"']],
  },
  {
    name: 'quoted number',
    text: edit(['name: t', 'name: t\ndefaults:\n  replicationFactor: "3"']),
    expect: [['defaults.replicationFactor', 'write a number without quotes']],
  },
  {
    name: 'zero default partitions',
    text: edit(['name: t', 'name: t\ndefaults: { partitions: 0 }']),
    expect: [['defaults.partitions', 'use a value >= 1']],
  },
  {
    name: 'retention 0',
    text: edit(['    schema: humpback.Document', '    schema: humpback.Document\n    retentionMs: 0']),
    expect: [['topics[0].retentionMs', 'use -1 to keep records forever']],
  },
  {
    name: 'unsupported version',
    text: edit(['version: 1', 'version: 2']),
    expect: [['version', 'write "version: 1"']],
  },
  {
    name: 'stage reads its own output',
    text: edit(['output: segments.copy', 'output: segments']),
    expect: [['stages[0].output', 'write to a different topic than the input']],
  },
  {
    name: 'topic used by a stage without a schema',
    text: edit(['  - name: segments.copy\n    schema: humpback.Segment', '  - name: segments.copy']),
    expect: [['topics[2].schema', 'add "schema: humpback.Segment"']],
  },
  {
    name: 'unused topic without a schema',
    text: edit(['  - name: documents\n    schema: humpback.Document', '  - name: documents']),
    expect: [['topics[0].schema', 'add "schema: <type>", one of: humpback.Document']],
  },
  {
    name: 'custom dead-letter topic not declared',
    text: edit(['output: segments.copy', 'output: segments.copy\n    dlq: copy.dl']),
    expect: [['stages[0].dlq', 'declare it under topics (schema humpback.DeadLetter), or remove dlq to use the default "copy.dlq"']],
  },
  {
    name: 'dead-letter topic carrying data',
    text: edit(['output: segments.copy', 'output: segments.copy\n    dlq: documents']),
    expect: [['stages[0].dlq', 'point dlq at a dead-letter topic, or set topics[0].schema to humpback.DeadLetter']],
  },
  {
    name: 'dead letters into the output topic',
    text: edit(['output: segments.copy', 'output: segments.copy\n    dlq: segments.copy']),
    expect: [['stages[0].dlq', 'use a separate topic, e.g. the default "copy.dlq"']],
  },
  {
    name: 'maxInFlight below concurrency',
    text: edit(['output: segments.copy', 'output: segments.copy\n    concurrency: 16\n    maxInFlight: 4']),
    expect: [['stages[0].maxInFlight', 'set maxInFlight to at least 16']],
  },
  {
    name: 'negative retries',
    text: edit(['output: segments.copy', 'output: segments.copy\n    retries: -1']),
    expect: [['stages[0].retries', 'use a value >= 0']],
  },
  {
    name: 'stages as a mapping instead of a list',
    text: 'version: 1\nname: t\ntopics: []\nstages:\n  copy: {}\n',
    expect: [['stages', 'write a YAML list ("- item" lines) under stages']],
  },
  {
    name: 'empty file',
    text: '',
    expect: [['(top level)', 'start with "version: 1"']],
  },
  {
    name: 'extra output topic not declared points at the stage option',
    stages: WITH_TIER,
    text: BASE.replace('stages:', TIER_TOPICS) + '  - name: tiers\n    type: tier\n    input: scored\n    output: curated.tier5\n    tier5: curated.tier5\n    tier4: curated.teir4\n',
    expect: [['stages[1].tier4', 'did you mean "curated.tier4"?']],
  },
  {
    name: 'extra output topic with the wrong schema',
    stages: WITH_TIER,
    text: BASE.replace('stages:', TIER_TOPICS) + '  - name: tiers\n    type: tier\n    input: scored\n    output: curated.tier5\n    tier5: curated.tier5\n    tier4: segments\n',
    expect: [['stages[1].tier4', 'use a topic whose schema is humpback.CuratedExample (declared: curated.tier5, curated.tier4)']],
  },
];

describe('broken topologies name the path and the fix', () => {
  test.each(cases)('$name', ({ text, stages, expect: expected }) => {
    const lines = problems(text, stages);
    for (const line of lines) expect(line).toMatch(/^broken\.yaml: \S.*: .+\. Fix: .+$/);
    for (const [path, fix] of expected) {
      const hit = lines.find((l) => l.startsWith(`${FILE}: ${path}: `) && l.includes(fix));
      if (!hit) throw new Error(`no line for ${path} with "${fix}" in:\n${lines.join('\n')}`);
    }
  });
});

describe('problem reporting', () => {
  test('YAML syntax errors report line and column', () => {
    const lines = problems('version: 1\nname: t\ntopics:\n  - name: [documents\n    schema: x\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^broken\.yaml:\d+:\d+: YAML syntax error: .+\. Fix: /);
  });

  test('a bad indentation names its line', () => {
    const lines = problems('version: 1\nname: t\ntopics:\n  - name: x\n   schema: y\n');
    expect(lines[0]).toMatch(/^broken\.yaml:5:1: YAML syntax error: /);
  });

  test('tabs get their own fix', () => {
    const lines = problems('version: 1\nname: t\ntopics:\n\t- name: x\n');
    expect(lines[0]).toMatch(/^broken\.yaml:4:1: YAML syntax error: .*Fix: indent with spaces, not tabs$/);
  });

  test('a second YAML document is refused', () => {
    const lines = problems('version: 1\nname: t\n---\nx: 1\n');
    expect(lines[0]).toMatch(/^broken\.yaml:3:1: YAML syntax error: Source contains multiple documents\. Fix: keep one YAML document/);
  });

  test('a repeated key is a syntax error with a fix', () => {
    const lines = problems('version: 1\nname: t\nname: u\ntopics: []\n');
    expect(lines[0]).toMatch(/^broken\.yaml:3:1: YAML syntax error: .*Fix: remove or rename the repeated key$/);
  });

  test('every problem is listed at once, in file order, with its line', () => {
    const lines = problems(
      edit(
        ['version: 1', 'version: 3'],
        ['schema: humpback.Document', 'schema: humpback.Doc'],
        ['type: passthrough', 'type: passthrough\n    colour: blue'],
        ['input: segments', 'input: segmentz'],
      ),
    );
    expect(lines.map((l) => l.split(':')[1].trim())).toEqual(['version', 'topics[0].schema', 'stages[0].colour', 'stages[0].input']);
    expect(lines[0]).toContain('(line 1)');
    expect(lines[2]).toContain('(line 13)');
  });

  test('the error message has a header and every line; the error is a ConfigError', () => {
    try {
      parseTopology(edit(['version: 1', 'version: 2']), FILE);
      throw new Error('not rejected');
    } catch (err) {
      expect(err).toBeInstanceOf(TopologyError);
      const e = err as TopologyError;
      expect(e.message.split('\n')[0]).toBe('topology broken.yaml has 1 problem:');
      expect(e.message).toContain(e.problems[0]);
      expect(e.retriable).toBe(false);
      expect(e.context.path).toBe(FILE);
    }
  });
});
