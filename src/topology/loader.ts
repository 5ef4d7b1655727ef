import fs from 'node:fs';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { TopicSpec } from '../kafka/admin';
import { RECORD_TYPES, type RecordTypeName } from '../records/types';
import { ConfigError } from '../core/errors';
import { STAGES, type RegisteredStage } from '../stages/registry';
import { describeIssues, type Problem } from './issues';
import { formatPath } from './names';
import { defaultDlq } from './rules';
import { buildTopologySchema, crossFieldIssues, topologySchema, type StageEntry, type Topology } from './schema';
import { lineOf } from './yamlLines';

/** An invalid topology: `problems` holds one line per problem, `<file>: <path>: <problem>. Fix: <hint>`. */
export class TopologyError extends ConfigError {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`topology ${source} has ${count}:\n${problems.join('\n')}`, { context: { path: source } });
    this.problems = problems;
  }
}

export function loadTopology(file: string, stages: readonly RegisteredStage[] = STAGES): Topology {
  return parseTopology(readTopologyFile(file), file, stages);
}

/** The text of a topology file, or a ConfigError naming the path. */
export function readTopologyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the topology file (${(err as NodeJS.ErrnoException).code ?? String(err)}). Fix: check the path, e.g. topologies/humpback.yaml`, {
      cause: err,
      context: { path: file },
    });
  }
}

/** Parses and validates topology YAML; throws a TopologyError naming every problem at once. */
export function parseTopology(text: string, sourceName: string, stages: readonly RegisteredStage[] = STAGES): Topology {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new TopologyError(sourceName, doc.errors.map((e) => yamlProblem(e, sourceName, lineCounter)));
  }
  const raw: unknown = doc.toJS();
  const schema = stages === STAGES ? topologySchema() : buildTopologySchema(stages);
  const result = schema.safeParse(raw);
  if (result.success) return result.data;

  // zod stops refining once the structure is wrong; run the cross-field rules on the sound parts too.
  const problems: Problem[] = [...describeIssues(result.error.issues, schema, raw), ...crossFieldIssues(raw, stages)];
  const located = problems.map((p) => ({ p, line: lineOf(doc, p.path, lineCounter) }));
  located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)); // stable: ties keep zod's order
  const lines = located.map(({ p, line }) => {
    const where = line === undefined ? '' : ` (line ${line})`;
    return `${sourceName}: ${formatPath(p.path)}: ${p.problem}${where}. Fix: ${p.hint}`;
  });
  throw new TopologyError(sourceName, [...new Set(lines)]);
}

function yamlProblem(err: YAMLError, source: string, lineCounter: LineCounter): string {
  const { line, col } = lineCounter.linePos(err.pos[0]);
  // yaml's first line without its own position or advice meant for programmers ("; please use ...").
  const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '').replace(/; please .*$/, '').replace(/[.:]$/, '');
  const hints: Partial<Record<YAMLError['code'], string>> = {
    DUPLICATE_KEY: 'remove or rename the repeated key',
    TAB_AS_INDENT: 'indent with spaces, not tabs',
    MULTIPLE_DOCS: 'keep one YAML document per topology file (remove the extra ---)',
  };
  return `${source}:${line}:${col}: YAML syntax error: ${message}. Fix: ${hints[err.code] ?? 'check indentation, colons and quotes on this line and the one before'}`;
}

export interface ResolvedTopic extends TopicSpec {
  /** Record type carried; dead-letter topics carry humpback.DeadLetter. */
  schema?: RecordTypeName;
  /** Added by the loader (a stage's default dead-letter topic), not declared in the file. */
  implicit: boolean;
}

export interface ResolvedStage {
  name: string;
  type: string;
  input: string;
  output: string;
  extraOutputs: string[];
  dlq: string;
  /** `<topology name>.<stage name>`: stable, so operators can inspect lag with Kafka tooling. */
  groupId: string;
  concurrency: number;
  maxInFlight: number;
  retries: number;
  sessionTimeoutMs: number;
  replicas: number;
  recordTypes: { input: RecordTypeName; output: RecordTypeName };
  /** The whole stage entry, stage-specific options included, as the stage factory takes it. */
  config: StageEntry;
}

export interface ResolvedTopology {
  name: string;
  clientId: string;
  /** The client settings of the `kafka:` block (clientId aside), by their Kafka property names. */
  kafka: Record<string, string>;
  topics: ResolvedTopic[];
  stages: ResolvedStage[];
}

/** Every topic a stage writes besides its dead letters: its output first, then its extra outputs, each once. */
export function writesTo(stage: ResolvedStage): string[] {
  return [...new Set([stage.output, ...stage.extraOutputs])];
}

/** Applies defaults, adds the implicit dead-letter topics and names the consumer groups. */
export function resolveTopology(topology: Topology, stages: readonly RegisteredStage[] = STAGES): ResolvedTopology {
  const { defaults } = topology;
  const dlqs = new Set(topology.stages.map((s) => s.dlq ?? defaultDlq(s.name)));
  const topics: ResolvedTopic[] = topology.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions ?? defaults.partitions,
    replicationFactor: t.replicationFactor ?? defaults.replicationFactor,
    retentionMs: t.retentionMs,
    compacted: t.compacted,
    maxMessageBytes: t.maxMessageBytes,
    minInsyncReplicas: t.minInsyncReplicas,
    compression: t.compression,
    schema: t.schema ?? (dlqs.has(t.name) || t.name.endsWith('.dlq') ? RECORD_TYPES.DeadLetter : undefined),
    implicit: false,
  }));
  const declared = new Set(topics.map((t) => t.name));
  for (const dlq of dlqs) {
    if (declared.has(dlq)) continue;
    topics.push({ name: dlq, partitions: defaults.partitions, replicationFactor: defaults.replicationFactor, compacted: false, schema: RECORD_TYPES.DeadLetter, implicit: true });
  }
  const resolvedStages = topology.stages.map((s) => resolveStage(s, topology.name, stages));
  const { clientId, ...settings } = topology.kafka ?? {};
  const kafka = Object.fromEntries(Object.entries(settings).filter((e): e is [string, string] => e[1] !== undefined));
  return { name: topology.name, clientId: clientId ?? topology.name, kafka, topics, stages: resolvedStages };
}

/** One stage entry with its defaults, dead-letter topic, consumer group and record types worked out. */
export function resolveStage(s: StageEntry, topologyName: string, stages: readonly RegisteredStage[] = STAGES): ResolvedStage {
  const def = stages.find((d) => d.type === s.type);
  if (!def) throw new ConfigError(`stage ${s.name}: unknown stage type ${s.type}. Fix: validate the topology with parseTopology first`);
  const { recordTypes, extraOutputs } = def.describe(s);
  return {
    name: s.name,
    type: s.type,
    input: s.input,
    output: s.output,
    extraOutputs,
    dlq: s.dlq ?? defaultDlq(s.name),
    groupId: `${topologyName}.${s.name}`,
    concurrency: s.concurrency,
    maxInFlight: s.maxInFlight,
    retries: s.retries,
    sessionTimeoutMs: s.sessionTimeoutMs,
    replicas: s.replicas,
    recordTypes,
    config: s,
  };
}
