/**
 * Derived topologies, built from the user's own file so every option stays as written:
 * - an iteration (`humpback replay --iteration N`): the scorer stages and everything downstream of
 *   them, re-run in new consumer groups (`<name>.iter<N>.<stage>`) into topics named by iteration
 *   (`scored.iter2`, `curated.tier5.iter2`, `score.iter2.dlq`); the candidates are read, never rewritten;
 * - a namespace (`humpback demo`): every topic and group under a prefix, so each run starts fresh.
 */
import { ConfigError } from '../core/errors';
import { defaultDlq } from './rules';
import { resolveStage } from './loader';
import { DEFAULT_TRAINER_TOPIC, topologySchema, type StageEntry, type TopicDecl, type Topology } from './schema';

/** The topology with topics renamed wherever they are named: declarations, stage options, dead letters, trainer. */
export function renameTopics(t: Topology, rename: (topic: string) => string): Topology {
  // Implicit dead-letter topics (<stage>.dlq) are declared first, so they are renamed like the rest.
  const implicitDlqs = t.stages.map((s) => s.dlq ?? defaultDlq(s.name)).filter((d) => !t.topics.some((x) => x.name === d));
  const topics = [...t.topics, ...implicitDlqs.map((name): TopicDecl => ({ name, compacted: false }))];
  const declared = new Set(topics.map((x) => x.name));
  const swap = (v: unknown): unknown => {
    if (typeof v === 'string') return declared.has(v) ? rename(v) : v;
    if (Array.isArray(v)) return v.map(swap);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
    return v;
  };
  // Any string option equal to a declared topic name is a topic reference (input, output, seenTopic, tiers[].topic, ...).
  const stages = t.stages.map((s): StageEntry => {
    const { name, type, dlq, ...options } = s;
    return { ...(swap(options) as Omit<StageEntry, 'name' | 'type' | 'dlq'>), name, type, dlq: rename(dlq ?? defaultDlq(name)) } as StageEntry;
  });
  const trainerTopics = t.trainer?.topics ?? (declared.has(DEFAULT_TRAINER_TOPIC) ? [DEFAULT_TRAINER_TOPIC] : undefined);
  const trainer = t.trainer && { ...t.trainer, topics: trainerTopics?.map(rename) };
  return validated({ ...t, topics: topics.map((x) => ({ ...x, name: rename(x.name) })), stages, trainer });
}

/** Every topic and consumer group of the topology under `prefix` (topics `<prefix>.<topic>`, groups `<prefix>.<stage>`). */
export function namespaced(t: Topology, prefix: string): Topology {
  return { ...renameTopics(t, (topic) => `${prefix}.${topic}`), name: prefix };
}

/** The name of `topic` in iteration `n`; dead-letter topics keep their `.dlq` suffix. */
export function iterationTopic(topic: string, n: number): string {
  return topic.endsWith('.dlq') ? `${topic.slice(0, -'.dlq'.length)}.iter${n}.dlq` : `${topic}.iter${n}`;
}

/**
 * Iteration `n` of the topology: its score stages (with `iteration: n`) and every stage downstream of
 * them, reading the same candidates and writing topics named by iteration; the trainer snapshots the
 * iteration's curated topics and records the iteration.
 */
export function iterationTopology(t: Topology, n: number): Topology {
  const scorers = t.stages.filter((s) => s.type === 'score');
  if (scorers.length === 0) throw new ConfigError(`topology ${t.name} has no score stage to replay. Fix: add a stage of type score reading the candidates topic`);
  const selected = new Set<StageEntry>(scorers);
  const written = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of selected) {
      const r = resolveStage(s, t.name);
      for (const topic of [r.output, ...r.extraOutputs, r.dlq]) written.add(topic);
    }
    for (const s of t.stages) {
      if (!selected.has(s) && written.has(s.input)) {
        selected.add(s);
        grew = true;
      }
    }
  }
  const kept: Topology = {
    ...t,
    topics: t.topics.filter((x) => written.has(x.name) || scorers.some((s) => s.input === x.name)),
    stages: t.stages.filter((s) => selected.has(s)).map((s) => (s.type === 'score' ? ({ ...s, iteration: n }) : s)),
    trainer: t.trainer && { ...t.trainer, iteration: n },
  };
  const renamed = renameTopics(kept, (topic) => (written.has(topic) ? iterationTopic(topic, n) : topic));
  return validated({ ...renamed, name: `${t.name}.iter${n}` });
}

/** A derived topology passes the same checks as a file (a bug here must not reach the broker). */
function validated(t: Topology): Topology {
  const result = topologySchema().safeParse(t);
  if (result.success) return result.data;
  throw new Error(`derived topology ${t.name} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}
