/**
 * `humpback demo`: the main job end to end in one process, on a fresh namespace of the local broker
 * (topics and consumer groups `demo-<time>.*`, so every run starts from nothing and can be inspected
 * afterwards with kcat; runs before the last two are removed from the broker, see earlierRuns.ts): ingest the sample corpus, segment and dedup until drained, send the first
 * `maxSegments` segments through backtranslate, score and tier-filter until drained, take a snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import type { KafkaConnector } from '../kafka/connect';
import { partitionEnds, splitPartitionKey } from '../kafka/offsets';
import { ProducerSink } from '../kafka/producerSink';
import { readToEnd } from '../kafka/readToEnd';
import { createSerde, type Serde } from '../kafka/serde/avroSerde';
import { resolveModelPath } from '../llm/modelFetch';
import { modelByName } from '../llm/models';
import { withEmbeddedModel, type EmbeddedModelChoice } from '../llm/llmConfig';
import { recordedFigures } from '../eval/recordedEval';
import type { ScoredCandidateRecord } from '../records/types';
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/logger';
import { loadTopology, resolveTopology, type ResolvedStage, type ResolvedTopology } from '../topology/loader';
import { namespaced } from '../topology/rewrite';
import type { Topology } from '../topology/schema';
import { trainerSettings } from '../trainer/settings';
import { snapshotNow } from '../trainer/snapshotNow';
import { runIngest } from '../ingest/runIngest';
import { drainProgressLine } from '../session/drainProgress';
import { ensureTopics, runStages } from '../session/stageSession';
import type { DemoReport } from './demoSummary';
import { demoQuality, type DemoQuality } from './demoQuality';
import { removeEarlierDemoRuns } from './earlierRuns';
import { callsLlm, demoPhaseOf } from './phases';

export interface DemoOptions {
  topologyFile: string;
  inputs: string[];
  outDir: string;
  /** Segments sent to the LLM stages; 0 = all. */
  maxSegments: number;
  logger: Logger;
  now?: () => number;
  /** Serve /metrics and /healthz while the stages run. */
  metrics?: { port: number; isDefault: boolean };
  /** The embedded model for the LLM stages instead of the topology's: a catalogue name or a .gguf path. */
  model?: EmbeddedModelChoice;
  /** How to reach Kafka (the CLI's starts the local broker when none is configured). */
  connect: KafkaConnector;
}

/** Runs whose topics stay in the broker: this one and the two before it. */
const KEEP_RUNS = 3;

async function removeEarlierRuns(kafka: Kafka, say: (line: string) => void): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const removed = await removeEarlierDemoRuns(admin, KEEP_RUNS);
    if (removed.runs.length > 0) say(`removed the topics of ${removed.runs.length} earlier demo run(s) from the broker (${removed.topics.length} topics; their files stay)`);
  } finally {
    await admin.disconnect();
  }
}

export async function runDemo(o: DemoOptions): Promise<DemoReport | undefined> {
  const now = o.now ?? Date.now;
  const started = now();
  const runId = `demo-${new Date(started).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
  const runDir = path.resolve(o.outDir, runId);
  fs.mkdirSync(runDir, { recursive: true });
  const topology = demoTopology(withModel(loadTopology(o.topologyFile), o.model), runId, runDir, o.maxSegments);
  const topologyFile = path.join(runDir, 'topology.yaml');
  fs.writeFileSync(topologyFile, stringify(topology));
  const resolved = resolveTopology(topology);
  const say = (line: string): void => void process.stderr.write(`humpback demo: ${line}\n`);
  say(`run ${runId}: topics and consumer groups ${runId}.*, files in ${runDir}`);

  if (!process.env.HUMPBACK_LLM_BASE_URL) say(`embedded model: ${await resolveModelPath(o.model?.path, { progress: say, ...(o.model?.name ? { spec: modelByName(o.model.name) } : {}) })}`);
  else say(`LLM server: ${process.env.HUMPBACK_LLM_BASE_URL} (HUMPBACK_LLM_BASE_URL)`);

  const logger = o.logger;
  const connection = await o.connect(resolved, logger);
  const { kafka, compression } = connection;
  await ensureTopics(kafka, resolved);
  await removeEarlierRuns(kafka, say);
  const serde = await createSerde();
  const registry = new Registry();
  const deps = { kafka, compression, serde, logger, registry };
  const timings: Record<string, number> = {};
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const t0 = now();
    try {
      return await work();
    } finally {
      timings[phase] = (now() - t0) / 1000;
    }
  };

  const topic = (name: string): string => `${runId}.${name}`;
  say(`ingesting ${o.inputs.join(', ')}`);
  await timed('ingest', () => runIngest(o.inputs, { topology: topologyFile, topic: topic('documents'), dlq: topic('ingest.dlq'), pollSeconds: '2', maxDocumentMb: '10' }, async () => connection)); // the same topology: no second connect
  if (process.exitCode === 130) return undefined;

  // Stages before the LLM (cheap, run on everything) and after the cap (run on the capped segments).
  const before = resolved.stages.filter((s) => demoPhaseOf(s.type) === 'segment');
  const llm = resolved.stages.filter((s) => demoPhaseOf(s.type) === 'llm');
  say(`running ${before.map((s) => s.name).join(', ')} until drained`);
  if ((await timed('segment', () => runStages(before, deps, { untilDrained: true, onProgress: drainProgressLine(process.stderr), metrics: o.metrics }))) === 'stopped') return undefined;

  const cap = await capSegments(kafka, resolved, runId, o.maxSegments, logger);
  if (cap) say(`sending the first ${cap.sent} of ${cap.of} segments to the LLM stages (--max-segments 0 sends all)`);
  say(`running ${llm.map((s) => s.name).join(', ')} until drained (the slow part on a CPU)`);
  if ((await timed('llm', () => runStages(llm, deps, { untilDrained: true, onProgress: drainProgressLine(process.stderr), metrics: o.metrics }))) === 'stopped') return undefined;

  const settings = trainerSettings(resolved, topology.trainer);
  const snap = await timed('snapshot', () => snapshotNow({ kafka, serde, settings, logger }));
  const quality = await qualityOfRun(kafka, serde, resolved, runId);
  const scorer = quality.scorer;
  return {
    runId,
    runDir,
    topology: resolved,
    registry,
    seconds: (now() - started) / 1000,
    timings,
    cap,
    quality: quality.quality,
    figures: scorer && recordedFigures(scorer.model, scorer.mode),
    topicCounts: await topicCounts(kafka, resolved),
    snapshot: snap.written,
  };
}

/**
 * The user's topology under a fresh namespace, snapshots in the run folder; with a cap, the LLM
 * stages read `segments.capped`, a topic holding the first N segments only.
 */
function demoTopology(t: Topology, runId: string, runDir: string, maxSegments: number): Topology {
  const llmInput = t.stages.find((s) => s.type === 'backtranslate')?.input;
  if (!llmInput) throw new ConfigError('the demo needs a topology with a backtranslate stage. Fix: use topologies/humpback.yaml or add one');
  const capped: Topology =
    maxSegments > 0
      ? {
          ...t,
          topics: [...t.topics, { ...t.topics.find((x) => x.name === llmInput)!, name: `${llmInput}.capped`, retentionMs: undefined }],
          stages: t.stages.map((s) => (s.type === 'backtranslate' ? { ...s, input: `${llmInput}.capped` } : s)),
        }
      : t;
  const ns = namespaced(capped, runId);
  return { ...ns, trainer: ns.trainer && { ...ns.trainer, outDir: path.join(runDir, 'snapshots'), every: undefined, hook: undefined } };
}

export interface CapResult {
  sent: number;
  of: number;
}

/** Copies the first `max` segments (partition, then offset order) as stored into the capped topic. */
async function capSegments(kafka: Kafka, t: ResolvedTopology, runId: string, max: number, logger: Logger): Promise<CapResult | undefined> {
  if (max <= 0) return undefined;
  const bt = t.stages.find((s) => s.type === 'backtranslate')!;
  const source = bt.input.replace(/\.capped$/, '');
  const all = await readToEnd(kafka, source, `${runId}.demo-cap`);
  const first = all.slice(0, max);
  const sink = await ProducerSink.open(kafka, { logger });
  try {
    await sink.send(first.map((r) => ({ topic: bt.input, key: r.key, value: r.value, headers: r.headers })));
  } finally {
    await sink.close();
  }
  return { sent: first.length, of: all.length };
}

/** The run's scored pairs with their segments' headings, measured as a reader would check them. */
async function qualityOfRun(kafka: Kafka, serde: Serde, t: ResolvedTopology, runId: string): Promise<{ quality: DemoQuality; scorer?: { model: string; mode: string } }> {
  const scoreStage: ResolvedStage | undefined = t.stages.find((s) => s.type === 'score');
  const backtranslate: ResolvedStage | undefined = t.stages.find((s) => s.type === 'backtranslate');
  const scored: ScoredCandidateRecord[] = [];
  for (const r of scoreStage ? await readToEnd(kafka, scoreStage.output, `${runId}.demo-scores`) : []) {
    if (r.value) scored.push(await serde.decode('humpback.ScoredCandidate', r.value));
  }
  const headings = new Map<string, string>();
  for (const r of backtranslate ? await readToEnd(kafka, backtranslate.input, `${runId}.demo-headings`) : []) {
    if (!r.value) continue;
    const segment = await serde.decode('humpback.Segment', r.value);
    headings.set(segment.segment_id, segment.heading);
  }
  const first = scored[0];
  return { quality: demoQuality(scored, headings), scorer: first && { model: first.scorer_model, mode: first.score_mode ?? 'text' } };
}

/** The topology with the LLM stages' embedded model replaced (name or file); servers are untouched. */
function withModel(t: Topology, model: EmbeddedModelChoice | undefined): Topology {
  if (!model) return t;
  return { ...t, stages: t.stages.map((s) => (callsLlm(s.type) ? { ...s, llm: withEmbeddedModel((s.llm ?? {}) as { embedded?: object }, model) } : s)) };
}

/** Records per topic of the run (its topics are new, so the watermarks are exact counts). */
async function topicCounts(kafka: Kafka, t: ResolvedTopology): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await partitionEnds(admin, t.topics.map((x) => x.name));
    const counts: Record<string, number> = {};
    for (const [key, e] of ends) {
      const name = splitPartitionKey(key).topic;
      counts[name] = (counts[name] ?? 0) + e.high - e.low;
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

