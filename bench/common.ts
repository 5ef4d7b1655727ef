/**
 * Shared by the benchmarks: the row every benchmark reports to `npm run bench` (bench/all.ts), the
 * broker, unique namespaced topologies, fast Segment producing, `humpback run` child processes and
 * clean-up. Not a benchmark itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Partitioners, type Admin, type Kafka, type Message } from 'kafkajs';
import { stringify } from 'yaml';
import { applyTopics } from '../src/kafka/admin';
import { createKafka, parseBrokerList } from '../src/kafka/brokers';
import { createSerde, type Serde } from '../src/kafka/serde/avroSerde';
import type { SegmentRecord } from '../src/records/types';
import { createLogger } from '../src/core/logger';
import { loadTopology, resolveTopology, type ResolvedTopology } from '../src/topology/loader';
import { namespaced } from '../src/topology/rewrite';
import type { StageEntry } from '../src/topology/schema';

/** One line of the `npm run bench` table: a ratio measured side by side in one run. */
export interface BenchRow {
  benchmark: string;
  measured: string;
  baseline: string;
  ratio: number;
  /** e.g. ">= 3x", "<= 1.0"; "none" when the row is reported without a target. */
  target: string;
  /** undefined: no target. */
  met: boolean | undefined;
}

/** The repository root: the first folder above this file with package.json and samples/ (works compiled to dist-bench/ too). */
export function repoRoot(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'samples'))) return dir;
  }
  return process.cwd();
}

/** The built `humpback` command (npm run build). */
export function humpbackCli(): string {
  return path.join(repoRoot(), 'dist', 'cli', 'main.js');
}

/** True when `--quick` is on the command line or BENCH_QUICK=1. */
export function quickMode(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--quick') || process.env.BENCH_QUICK === '1';
}

/** A numeric `--name=value` argument, else the environment variable, else the default. */
export function numberOption(name: string, envName: string, fallback: number, argv: readonly string[] = process.argv): number {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg?.slice(name.length + 3) ?? process.env[envName];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} / ${envName} must be a positive number, got ${raw}`);
  return n;
}

let cachedBrokers: string[] | undefined;

/** $KAFKA_BROKERS, else the local broker (`humpback kafka start` reuses a running one and is never stopped here). */
export function brokers(): string[] {
  if (cachedBrokers) return cachedBrokers;
  let list = parseBrokerList(process.env.KAFKA_BROKERS);
  if (list.length === 0) {
    const out = execFileSync(process.execPath, [humpbackCli(), 'kafka', 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const last = out.trim().split('\n').pop() ?? '';
    list = parseBrokerList(last.replace(/^KAFKA_BROKERS=/, ''));
    if (list.length === 0) throw new Error(`humpback kafka start printed no KAFKA_BROKERS line: ${out}`);
  }
  return (cachedBrokers = list);
}

export function benchKafka(clientId: string): Kafka {
  return createKafka(brokers(), clientId, createLogger({ component: 'kafkajs' }, 'warn'));
}

/** The Avro serde reading the repository's schemas/ (the default path is wrong from dist-bench/). */
export function benchSerde(): Promise<Serde> {
  return createSerde({ schemaDir: path.join(repoRoot(), 'schemas') });
}

/** A name no earlier run used: topics and groups of a run never see another run's data. */
export function uniquePrefix(name: string): string {
  return `bench-${name}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface BenchTopology {
  prefix: string;
  file: string;
  resolved: ResolvedTopology;
}

/**
 * topologies/humpback.yaml with every topic and group under a unique prefix (src/topology/rewrite.ts),
 * `edit` applied to each stage, written to a temp file for `humpback run --topology`; its topics are created.
 */
export async function benchTopology(kafka: Kafka, name: string, edit: (s: StageEntry) => StageEntry = (s) => s): Promise<BenchTopology> {
  const prefix = uniquePrefix(name);
  const base = namespaced(loadTopology(path.join(repoRoot(), 'topologies', 'humpback.yaml')), prefix);
  const topology = { ...base, stages: base.stages.map(edit) };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-bench-')), 'topology.yaml');
  fs.writeFileSync(file, stringify(topology));
  const resolved = resolveTopology(loadTopology(file)); // re-read: what `humpback run` will see
  await withAdmin(kafka, (admin) => applyTopics(admin, resolved.topics));
  return { prefix, file, resolved };
}

/** The backtranslate stage pointed at one OpenAI-compatible endpoint, with a fixed concurrency. */
export function backtranslateAt(baseUrl: string, concurrency: number): (s: StageEntry) => StageEntry {
  return (s) => (s.type !== 'backtranslate' ? s : { ...s, concurrency, llm: { ...(s.llm as Record<string, unknown>), endpoints: [{ baseUrl, model: 'fake', maxConcurrency: concurrency }] } });
}

export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Records in a topic now (sum of high - low watermarks over its partitions). */
export async function topicCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
}

/** Deletes a run's topics (every topic named `<prefix>.*` or listed) and consumer groups; best effort. */
export async function cleanUp(kafka: Kafka, prefix: string, groups: string[] = [], topics: string[] = []): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    await admin.deleteGroups(groups).catch(() => undefined);
    const all = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`) || topics.includes(t));
    if (all.length > 0) await admin.deleteTopics({ topics: all, timeout: 30_000 }).catch(() => undefined);
  }).catch(() => undefined);
}

/** A small Segment (about 250 bytes of Avro) with a unique id, as the segment stage would write it. */
export function benchSegment(runId: string, i: number): SegmentRecord {
  const segmentId = crypto.createHash('sha256').update(`${runId}:${i}`).digest('hex');
  const text = `# Section ${i}\nHumpback whales migrate up to 8,000 km each year between feeding and breeding grounds (record ${i}).`;
  return {
    segment_id: segmentId,
    doc_id: segmentId.slice(0, 32).padEnd(64, '0'),
    segment_index: i % 16,
    url: `https://example.org/whales/${i >> 4}`,
    source_file: 'bench/synthetic',
    source_offset: null,
    source_line: null,
    heading: `Section ${i}`,
    heading_path: ['Humpback whales', `Section ${i}`],
    text,
    char_count: text.length,
    language: 'eng',
    created_at: Date.now(),
  };
}

/** `count` Segments encoded for `topic`, as kafkajs messages keyed by segment id. */
export async function segmentMessages(serde: Serde, topic: string, runId: string, count: number, from = 0): Promise<Message[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const value = benchSegment(runId, from + i);
    return { key: value.segment_id, value: await serde.encode('humpback.Segment', value, topic) };
  }));
}

/** Produces `count` Segments to `topic` with a raw kafkajs producer, `batch` records per request (a partition batch stays under the broker's 1 MB), 8 requests in flight. */
export async function produceSegments(kafka: Kafka, serde: Serde, topic: string, count: number, runId: string, batch = 5000): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const inFlight = new Set<Promise<unknown>>();
    for (let from = 0; from < count; from += batch) {
      const messages = await segmentMessages(serde, topic, runId, Math.min(batch, count - from), from);
      const sent: Promise<unknown> = producer.send({ topic, messages, acks: -1 }).finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
}

/** A `humpback <args>` child process (node itself, so its pid is the process to sample). Its stderr tail is kept for errors. */
export interface HumpbackProcess {
  child: ChildProcess;
  stderrTail(): string;
  stop(): Promise<number | null>;
}

export function startHumpback(args: string[], env: NodeJS.ProcessEnv = {}): HumpbackProcess {
  const child = spawn(process.execPath, [humpbackCli(), ...args], {
    cwd: repoRoot(),
    env: { ...process.env, KAFKA_BROKERS: brokers().join(','), HUMPBACK_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderrTail: () => tail,
    // SIGTERM drains and commits; SIGKILL after 30 s so a stuck replica cannot hang the benchmark.
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resident set size of a process in MiB, from /proc/<pid>/status VmRSS; undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** The standalone entry point of a benchmark: run, print, exit non-zero on failure. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
