import { RECORD_TYPES, type RecordTypeName } from '../records/types';
import type { RegisteredStage } from '../stages/registry';
import { closest, isValidKafkaName, listOf, type PathKey } from './names';
import type { StageEntry, TopicDecl } from './schema';
import { checkUniqueNames } from './uniqueNames';

/**
 * Cross-field rules of a topology: names are unique, every topic a stage touches is declared and
 * carries the record type the stage expects, no stage feeds itself. Each rule reports the YAML path
 * where the fix goes.
 */

/** A topic entry; `decl` only when the entry is well-formed on its own. */
export interface TopicRef {
  index: number;
  name: string;
  decl?: TopicDecl;
}
/** A stage entry; `entry` only when the entry is well-formed on its own. */
export interface StageRef {
  index: number;
  name: string;
  entry?: StageEntry;
}
export interface RuleInput {
  topics: TopicRef[];
  stages: StageRef[];
}
export interface RuleIssue {
  path: PathKey[];
  problem: string;
  hint: string;
}
export type Report = (issue: RuleIssue) => void;
/** Schemaless topics a stage uses: who uses them and as what, so the hint can name the type. */
type Readers = Map<string, { who: string; expected: RecordTypeName }>;

const DEAD_LETTER = RECORD_TYPES.DeadLetter;

/** Dead letters of stage `s` go to `s.dlq` unless the stage names another topic. */
export function defaultDlq(stageName: string): string {
  return `${stageName}.dlq`;
}

/** What is known of a topic name: where it is declared (if at all) and the record type it carries. */
interface KnownTopic {
  index?: number;
  schema?: RecordTypeName;
}

export function checkTopology(input: RuleInput, defs: readonly RegisteredStage[], report: Report): void {
  checkUniqueNames(input, report);
  // Only a stage's default dead-letter topic is declared implicitly; a named one must be declared.
  const implicitDlqs = new Set(input.stages.flatMap((s) => (s.entry?.dlq === undefined ? [defaultDlq(s.name)] : [])));
  const namedDlqs = new Set(input.stages.flatMap((s) => s.entry?.dlq ?? []));
  const known = new Map<string, KnownTopic>();
  for (const t of input.topics) {
    if (known.has(t.name)) continue; // duplicates are reported above; the first entry counts
    const isDlq = implicitDlqs.has(t.name) || namedDlqs.has(t.name) || t.name.endsWith('.dlq');
    // A dead-letter topic may omit its schema: it can only carry dead letters.
    known.set(t.name, { index: t.index, schema: t.decl?.schema ?? (isDlq ? DEAD_LETTER : undefined) });
  }
  for (const dlq of implicitDlqs) if (!known.has(dlq)) known.set(dlq, { schema: DEAD_LETTER });

  const readers: Readers = new Map();
  for (const stage of input.stages) {
    const def = stage.entry && defs.find((d) => d.type === stage.entry?.type);
    if (stage.entry && def) checkStage(stage.index, stage.entry, def, known, readers, report);
  }
  checkTopicSchemas(input.topics, known, readers, report);
}

function checkStage(
  index: number,
  entry: StageEntry,
  def: RegisteredStage,
  known: Map<string, KnownTopic>,
  readers: Readers,
  report: Report,
): void {
  const at = (...keys: PathKey[]): PathKey[] => ['stages', index, ...keys];
  const { recordTypes: types, extraOutputs } = def.describe(entry);
  const who = `stage "${entry.name}" (type ${entry.type})`;
  const refs: { path: PathKey[]; topic: string; verb: 'reads' | 'writes'; expected: RecordTypeName }[] = [
    { path: at('input'), topic: entry.input, verb: 'reads', expected: types.input },
    { path: at('output'), topic: entry.output, verb: 'writes', expected: types.output },
    ...extraOutputs.map((topic) => ({
      path: at(...(findOption(entry, topic) ?? [])),
      topic,
      verb: 'writes' as const,
      expected: types.output,
    })),
  ];
  for (const ref of refs) {
    const topic = known.get(ref.topic);
    if (topic === undefined) {
      report({ path: ref.path, problem: `unknown topic "${ref.topic}"`, hint: unknownTopicHint(ref.topic, known) });
    } else if (topic.schema === undefined) {
      if (!readers.has(ref.topic)) readers.set(ref.topic, { who: `${who} ${ref.verb} it`, expected: ref.expected });
    } else if (topic.schema !== ref.expected) {
      const fitting = [...known].filter(([, t]) => t.schema === ref.expected).map(([name]) => name);
      const where = topic.index === undefined ? '' : `, or fix topics[${topic.index}].schema`;
      report({
        path: ref.path,
        problem: `topic "${ref.topic}" carries ${topic.schema}, but ${who} ${ref.verb} ${ref.expected}`,
        hint: `use a topic whose schema is ${ref.expected} (declared: ${listOf(fitting)})${where}`,
      });
    }
  }
  const outputs = refs.filter((r) => r.verb === 'writes');
  const loop = outputs.find((r) => r.topic === entry.input);
  if (loop) {
    report({ path: loop.path, problem: `${who} reads its own output topic "${entry.input}"`, hint: 'write to a different topic than the input: a stage feeding itself loops forever' });
  }
  checkDlq(entry, at, known, refs.map((r) => r.topic), report);
  if (entry.maxInFlight < entry.concurrency) {
    report({
      path: at('maxInFlight'),
      problem: `maxInFlight ${entry.maxInFlight} is below concurrency ${entry.concurrency}, so the concurrency is never reached`,
      hint: `set maxInFlight to at least ${entry.concurrency} (default 256), or lower concurrency`,
    });
  }
}

function checkDlq(entry: StageEntry, at: (...keys: PathKey[]) => PathKey[], known: Map<string, KnownTopic>, dataTopics: string[], report: Report): void {
  const fallback = defaultDlq(entry.name);
  const dlq = entry.dlq ?? fallback;
  if (entry.dlq === undefined && !isValidKafkaName(fallback)) {
    report({ path: at('name'), problem: `the default dead-letter topic "${fallback}" is not a valid Kafka topic name`, hint: 'shorten the stage name, or set dlq to a declared topic' });
    return;
  }
  const topic = known.get(dlq);
  if (topic === undefined) {
    report({
      path: at('dlq'),
      problem: `unknown dead-letter topic "${dlq}"`,
      hint: `${guessPrefix(dlq, [...known.keys()])}declare it under topics (schema ${DEAD_LETTER}), or remove dlq to use the default "${fallback}"`,
    });
  } else if (dataTopics.includes(dlq)) {
    report({ path: at('dlq'), problem: `dead letters would go to "${dlq}", which the stage also reads or writes`, hint: `use a separate topic, e.g. the default "${fallback}"` });
  } else if (topic.schema !== DEAD_LETTER) {
    const where = topic.index === undefined ? '' : `topics[${topic.index}]`;
    report({
      path: at('dlq'),
      problem: `topic "${dlq}" carries ${topic.schema ?? 'no schema'}, but dead letters are ${DEAD_LETTER}`,
      hint: `point dlq at a dead-letter topic, or set ${where}.schema to ${DEAD_LETTER}`,
    });
  }
}

/** Only dead-letter topics may omit `schema`; the hint names the type a stage expects when one does. */
function checkTopicSchemas(topics: TopicRef[], known: Map<string, KnownTopic>, readers: Readers, report: Report): void {
  for (const t of topics) {
    if (!t.decl || t.decl.schema !== undefined || known.get(t.name)?.index !== t.index) continue;
    if (known.get(t.name)?.schema !== undefined) continue; // a schemaless dead-letter topic
    const reader = readers.get(t.name);
    report({
      path: ['topics', t.index, 'schema'],
      problem: `missing record type of topic "${t.name}"${reader ? ` (${reader.who})` : ''}; only dead-letter topics may omit it`,
      hint: reader ? `add "schema: ${reader.expected}"` : `add "schema: <type>", one of: ${listOf(Object.values(RECORD_TYPES))}`,
    });
  }
}

function guessPrefix(word: string, choices: readonly string[]): string {
  const match = closest(word, choices);
  return match === undefined ? '' : `did you mean "${match}"? Otherwise `;
}

function unknownTopicHint(name: string, known: Map<string, KnownTopic>): string {
  const declared = [...known].filter(([, t]) => t.index !== undefined).map(([n]) => n);
  const match = closest(name, declared);
  const declare = `declare "${name}" under topics`;
  return match === undefined
    ? `use a declared topic (${listOf(declared)}) or ${declare}`
    : `did you mean "${match}"? Declared topics: ${listOf(declared)}; or ${declare}`;
}

/** Where in a stage's own options a routed-to topic is written, so the error points at it. */
function findOption(value: unknown, topic: string, path: PathKey[] = [], depth = 0): PathKey[] | undefined {
  if (value === topic) return path;
  if (depth > 3 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (depth === 0 && (key === 'input' || key === 'output')) continue;
    const found = findOption(child, topic, [...path, Array.isArray(value) ? Number(key) : key], depth + 1);
    if (found) return found;
  }
  return undefined;
}
