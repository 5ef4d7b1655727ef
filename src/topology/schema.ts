import { z } from 'zod';
import { TOPIC_COMPRESSIONS, type TopicCompression } from '../kafka/admin';
import { checkValue, CLIENT_KEY_NAMES, isSecretKey, type ClientKey } from '../kafka/security/keys';
import { ENV_OVERRIDES } from '../kafka/security/settings';
import { RECORD_TYPES, type RecordTypeName } from '../records/types';
import { DEFAULT_RETRY_POLICY } from '../core/retryPolicy';
import { STAGES, type RegisteredStage } from '../stages/registry';
import { isValidKafkaName } from './names';
import { checkTopology, type RuleInput, type RuleIssue } from './rules';

/** Avro full names a topic may declare as its `schema`. */
export const RECORD_TYPE_NAMES = Object.values(RECORD_TYPES) as [RecordTypeName, ...RecordTypeName[]];

/** Names that end up in topic names or group ids obey Kafka's rule, with a hint saying so. */
const kafkaName = (what: string) =>
  z.string().refine(isValidKafkaName, {
    message: `not a valid ${what} name for Kafka`,
    params: { hint: "use 1-249 characters from letters, digits, '.', '_' and '-' (not '.' or '..' alone)" },
  });

const count = () => z.number().int().min(1);

const topicCompression = z.string().refine((v): v is TopicCompression => (TOPIC_COMPRESSIONS as readonly string[]).includes(v), {
  message: 'not a compression the engine can read back',
  params: { hint: `use one of ${TOPIC_COMPRESSIONS.join(', ')}: kafkajs, which reads every topic here, decodes gzip alone (no maintained codec package for snappy, lz4 or zstd)` },
});

export const topicSchema = z.strictObject({
  name: kafkaName('topic'),
  partitions: count().optional(),
  replicationFactor: count().optional(),
  // Kafka accepts 0 but it deletes data almost at once: surely a mistake, so it is refused.
  retentionMs: z
    .number()
    .int()
    .min(-1)
    .refine((ms) => ms !== 0, {
      message: 'retentionMs 0 would delete records almost immediately',
      params: { hint: 'use -1 to keep records forever, or a positive number of ms, e.g. 604800000 (7 days)' },
    })
    .optional(),
  compacted: z.boolean().default(false),
  schema: z.enum(RECORD_TYPE_NAMES).optional(),
  // max.message.bytes: the largest record batch the topic takes (the broker's default is about 1 MB).
  maxMessageBytes: z.number().int().min(1024).optional(),
  // min.insync.replicas: with acks=all (every producer here) a write needs this many replicas in sync.
  minInsyncReplicas: count().optional(),
  compression: topicCompression.optional(),
});
export type TopicDecl = z.output<typeof topicSchema>;

export const defaultsSchema = z
  .strictObject({ partitions: count().default(4), replicationFactor: count().default(1) })
  .prefault({});
export type TopologyDefaults = z.output<typeof defaultsSchema>;

/** Fields every stage has, whatever its type; stage-specific options are merged in from the registry. */
export const commonStageFields = z.strictObject({
  name: kafkaName('stage'),
  // Topic references are checked against `topics` by the cross-field rules, which can list the choices.
  input: z.string(),
  output: z.string(),
  concurrency: count().default(8),
  maxInFlight: count().default(256),
  // Attempts after the first for a passing failure (src/core/retryPolicy.ts, README "Retries").
  retries: z.number().int().min(0).default(DEFAULT_RETRY_POLICY.retries),
  // A member silent this long is removed from the group and its partitions reassigned; the
  // broker's group.min/max.session.timeout.ms (6 s / 30 min by default) bound it.
  sessionTimeoutMs: z.number().int().min(6000).max(1_800_000).default(30_000),
  dlq: z.string().optional(),
  replicas: count().default(1),
});

/** A stage entry: the common fields, its `type`, and whatever options its registry entry declares. */
export type StageEntry = z.output<typeof commonStageFields> & { type: string; [option: string]: unknown };

/** A5, what the paper trains on: the trainer's topic when the topology names none. */
export const DEFAULT_TRAINER_TOPIC = 'curated.tier5';

/**
 * The trainer consumer (src/trainer): which curated topics become snapshot folders, in which format,
 * with how much seed data, how often, and what runs once a snapshot is complete.
 */
export const trainerSchema = z
  .strictObject({
    // Checked against `topics` (declared, humpback.CuratedExample) by the cross-field rules. No
    // default here, which those rules would then check in topologies without a trainer block: the
    // trainer falls back to curated.tier5 (A5, what the paper trains on) at start.
    topics: z.array(z.string()).min(1).optional(),
    outDir: z.string().min(1).default('snapshots'),
    format: z.enum(['chat', 'alpaca']).default('chat'),
    // The source tag in the system turn (the paper), or at the start of the user turn for chat
    // templates without a system role (older Gemma templates in TRL).
    sourceTag: z.enum(['system', 'user']).default('system'),
    seed: z
      .strictObject({
        file: z.string().min(1).default('samples/seed.jsonl'),
        // A count takes the file's first N pairs; each seed pair is written once per iteration.
        mix: z.union([z.enum(['all', 'none']), count()]).default('all'),
      })
      .prefault({}),
    every: z
      .strictObject({ examples: count().optional(), minutes: z.number().positive().optional() })
      .refine((e) => e.examples !== undefined || e.minutes !== undefined, {
        message: 'every needs examples, minutes or both',
        params: { hint: 'e.g. "every: { examples: 1000, minutes: 60 }", or remove every to snapshot on demand only' },
      })
      .optional(),
    shardLines: count().default(10_000),
    hook: z
      .strictObject({ command: z.string().min(1).optional(), url: z.url().optional(), timeoutMs: count().default(3_600_000) })
      .refine((h) => h.command !== undefined || h.url !== undefined, {
        message: 'hook needs a command or a url',
        params: { hint: 'e.g. "hook: { command: ./train.sh }" (given the snapshot folder as $1), or remove hook' },
      })
      .optional(),
    iteration: count().optional(),
    sessionTimeoutMs: z.number().int().min(6000).max(1_800_000).default(30_000),
  })
  .prefault({});
export type TrainerConfig = z.output<typeof trainerSchema>;

/**
 * The topology's `kafka:` block: the client id and the client settings every command connects with,
 * by their Kafka client property names (src/kafka/security/keys.ts). Secrets are refused here: a
 * topology is checked in and printed by tools; they go in $KAFKA_CONFIG's file or the environment.
 */
function clientSetting(key: ClientKey) {
  return z
    .union([z.string(), z.number(), z.boolean()])
    .transform(String)
    .superRefine((value, ctx) => {
      const problem = isSecretKey(key)
        ? { problem: 'a secret does not belong in a topology file (it is checked in and printed by tools)', hint: `put ${key} in the client properties file named by KAFKA_CONFIG, or use ${Object.keys(ENV_OVERRIDES).join(' / ')}` }
        : checkValue(key, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.problem, params: { hint: problem.hint } });
    })
    .optional();
}

export const kafkaBlockSchema = z.strictObject({
  clientId: z.string().min(1).optional(),
  ...Object.fromEntries(CLIENT_KEY_NAMES.map((key) => [key, clientSetting(key)])),
});
export type KafkaBlock = { clientId?: string } & { [key: string]: string | undefined };

export interface Topology {
  version: 1;
  name: string;
  kafka?: KafkaBlock;
  defaults: TopologyDefaults;
  topics: TopicDecl[];
  stages: StageEntry[];
  /** Always set by the schema (defaults); optional so hand-built topologies need not spell it out. */
  trainer?: TrainerConfig;
}

/** One schema per registered stage type, discriminated by `type`: a new stage needs no change here. */
export function buildStageSchema(stages: readonly RegisteredStage[]): z.ZodType<StageEntry> {
  const options = stages.map((def) => {
    const clash = Object.keys(def.options).filter((k) => k in commonStageFields.shape || k === 'type');
    if (clash.length > 0) {
      // A programming error in the registry, not a user mistake: fail loudly at start-up.
      throw new Error(`stage type ${def.type}: option(s) ${clash.join(', ')} clash with common stage fields`);
    }
    // Common fields first (error hints list keys in this order); the check above rules out overlaps.
    return z.strictObject({ ...commonStageFields.shape, type: z.literal(def.type), ...def.options });
  });
  const [first, ...rest] = options;
  if (first === undefined) throw new Error('the stage registry is empty');
  return z.discriminatedUnion('type', [first, ...rest]);
}

/** The whole topology file: structure from zod, cross-field rules (references, schemas) in superRefine. */
export function buildTopologySchema(stages: readonly RegisteredStage[] = STAGES): z.ZodType<Topology> {
  const stageSchema = buildStageSchema(stages);
  return z
    .strictObject({
      version: z.literal(1),
      name: kafkaName('topology'),
      kafka: kafkaBlockSchema.optional(),
      defaults: defaultsSchema,
      topics: z.array(topicSchema),
      stages: z.array(stageSchema).default([]),
      trainer: trainerSchema,
    })
    .superRefine((value, ctx) => {
      for (const issue of crossFieldIssues(value, stages, stageSchema)) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.problem, params: { hint: issue.hint } });
      }
    });
}

/**
 * The cross-field rules on whatever parts of a (possibly invalid) document are well-formed.
 * zod skips refinements once the structure has errors, so the loader calls this directly too:
 * a user then sees every problem in one run instead of fixing them in rounds.
 */
export function crossFieldIssues(
  raw: unknown,
  stages: readonly RegisteredStage[],
  stageSchema: z.ZodType<StageEntry> = buildStageSchema(stages),
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const input = salvage(raw, stageSchema);
  checkTopology(input, stages, (issue) => issues.push(issue));
  checkTrainerTopics(isRecord(raw) ? raw.trainer : undefined, input.topics, (issue) => issues.push(issue));
  checkInsyncReplicas(raw, input.topics, (issue) => issues.push(issue));
  return issues;
}

/** With acks=all, a topic needing more in-sync replicas than it has replicas refuses every write. */
function checkInsyncReplicas(raw: unknown, topics: RuleInput['topics'], report: (issue: RuleIssue) => void): void {
  const defaults = defaultsSchema.safeParse(isRecord(raw) ? raw.defaults : undefined);
  const fallback = defaults.success ? defaults.data.replicationFactor : 1;
  for (const { index, decl } of topics) {
    const replicas = decl?.replicationFactor ?? fallback;
    if (decl?.minInsyncReplicas === undefined || decl.minInsyncReplicas <= replicas) continue;
    report({
      path: ['topics', index, 'minInsyncReplicas'],
      problem: `${decl.minInsyncReplicas} in-sync replicas needed but the topic has ${replicas} replica(s): every write would fail`,
      hint: `use minInsyncReplicas <= replicationFactor (e.g. 2 with replicationFactor 3)`,
    });
  }
}

/** The trainer snapshots curated examples only: each of its topics is declared and carries them. */
function checkTrainerTopics(trainer: unknown, topics: RuleInput['topics'], report: (issue: RuleIssue) => void): void {
  const names = isRecord(trainer) && Array.isArray(trainer.topics) ? trainer.topics : [];
  const curated = topics.filter((t) => t.decl?.schema === RECORD_TYPES.CuratedExample).map((t) => t.name);
  const choices = curated.length > 0 ? curated.join(', ') : `none yet: declare one with "schema: ${RECORD_TYPES.CuratedExample}"`;
  names.forEach((name: unknown, i) => {
    if (typeof name !== 'string') return; // a wrong type is zod's to report
    const topic = topics.find((t) => t.name === name);
    if (topic === undefined) {
      report({ path: ['trainer', 'topics', i], problem: `unknown topic "${name}"`, hint: `use a declared curated topic (${choices})` });
    } else if (topic.decl !== undefined && topic.decl.schema !== RECORD_TYPES.CuratedExample) {
      report({
        path: ['trainer', 'topics', i],
        problem: `topic "${name}" carries ${topic.decl.schema ?? 'no schema'}, but the trainer reads ${RECORD_TYPES.CuratedExample}`,
        hint: `use a curated topic (${choices})`,
      });
    }
  });
}

/** Entries that parse on their own keep their data; broken ones still contribute their names. */
function salvage(raw: unknown, stageSchema: z.ZodType<StageEntry>): RuleInput {
  const doc = isRecord(raw) ? raw : {};
  const entries = (list: unknown) => (Array.isArray(list) ? list : []).map((item: unknown, index) => ({ item, index }));
  const nameOf = (item: unknown) => (isRecord(item) && typeof item.name === 'string' ? item.name : undefined);
  const topics = entries(doc.topics).flatMap(({ item, index }) => {
    const name = nameOf(item);
    return name === undefined ? [] : [{ index, name, decl: lenientParse(topicSchema, item) }];
  });
  const stageRefs = entries(doc.stages).flatMap(({ item, index }) => {
    const name = nameOf(item);
    return name === undefined ? [] : [{ index, name, entry: lenientParse(stageSchema, item) }];
  });
  return { topics, stages: stageRefs };
}

/** Parses an entry, ignoring unknown keys: a typo is reported anyway and must not hide the entry's other problems. */
function lenientParse<T>(schema: z.ZodType<T>, item: unknown): T | undefined {
  const first = schema.safeParse(item);
  if (first.success) return first.data;
  const unknownKeys = first.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : []));
  if (unknownKeys.length === 0 || !isRecord(item)) return undefined;
  const second = schema.safeParse(Object.fromEntries(Object.entries(item).filter(([k]) => !unknownKeys.includes(k))));
  return second.success ? second.data : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

let cached: z.ZodType<Topology> | undefined;
/** The schema for the engine's own registry, built once. */
export function topologySchema(): z.ZodType<Topology> {
  cached ??= buildTopologySchema(STAGES);
  return cached;
}
