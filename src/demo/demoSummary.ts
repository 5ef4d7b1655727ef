import path from 'node:path';
import type { Registry } from 'prom-client';
import { METRIC } from '../metrics/names';
import { metricBy, metricSum } from '../metrics/read';
import type { ResolvedTopology } from '../topology/loader';
import type { WrittenSnapshot } from '../trainer/snapshotWriter';
import type { CapResult } from './runDemo';
import type { DemoQuality } from './demoQuality';
import { demoPhaseOf } from './phases';
import { figuresLine, type RecordedFigures } from '../eval/recordedEval';

/** What a demo run did: counted by the stages' own metrics and the run's topics. */
export interface DemoReport {
  runId: string;
  runDir: string;
  topology: ResolvedTopology;
  registry: Registry;
  seconds: number;
  /** Seconds per phase: ingest, segment (the `prepare` stages), llm (the stages after the cap), snapshot. */
  timings: Record<string, number>;
  cap?: CapResult;
  quality: DemoQuality;
  /** The project's measured eval figures for the model and mode the run used, if any. */
  figures?: RecordedFigures;
  topicCounts: Record<string, number>;
  snapshot?: WrittenSnapshot;
}

const reasons = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ') || 'none';

const clip = (text: string, n: number): string => {
  const one = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length <= n ? one : `${one.slice(0, n - 1)}…`);
};

export function clockText(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** The demo's closing report: counts per stage and drop reason, score histogram, tiers, throughput, files. */
export async function demoSummary(r: DemoReport): Promise<string> {
  const m = (name: string, labels: Record<string, string>) => metricSum(r.registry, name, labels);
  const t = r.topology;
  const count = (topic: string): number => r.topicCounts[topic] ?? 0;
  const lines = [`humpback demo finished in ${clockText(r.seconds)} (run ${r.runId})`];
  const documents = t.topics.find((x) => x.name.endsWith('.documents'))?.name;
  if (documents) lines.push(`  ingest         ${count(documents)} documents in ${clockText(r.timings.ingest ?? 0)}`);
  for (const s of t.stages) {
    const read = await m(METRIC.recordsConsumed.name, { stage: s.name });
    const outs = [s.output, ...s.extraOutputs.filter((o) => o !== s.output)];
    const wrote = await Promise.all(outs.map(async (o) => `${await m(METRIC.recordsProduced.name, { stage: s.name, topic: o })} to ${o.slice(r.runId.length + 1)}`));
    const dropped = await metricBy(r.registry, METRIC.recordsFiltered.name, 'reason', { stage: s.name });
    const dead = await metricBy(r.registry, METRIC.recordsDeadLettered.name, 'reason', { stage: s.name });
    const phase = demoPhaseOf(s.type);
    const rate = read / Math.max(r.timings[phase] ?? 0, 0.001);
    lines.push(`  ${s.name.padEnd(14)} read ${read}, wrote ${wrote.join(' and ')}; dropped: ${reasons(dropped)}; dead letters: ${reasons(dead)} (${rate.toFixed(2)} records/s)`);
    if (s.type === 'dedup' && r.cap) lines.push(`  ${'cap'.padEnd(14)} the first ${r.cap.sent} of ${r.cap.of} segments went on to the LLM stages (--max-segments 0 sends all)`);
  }
  const q = r.quality;
  const histogram = Object.entries(q.histogram).map(([score, n]) => `${score}: ${n}`).join('  ');
  lines.push(`  ${'scores'.padEnd(14)} ${histogram} (mode ${q.modes.join(', ') || 'none'})`);
  if (q.onTopic.of > 0) lines.push(`  ${'on-topic'.padEnd(14)} ${q.onTopic.count} of ${q.onTopic.of} instructions rank their own segment first among the run's segments (BM25, as humpback eval measures it)`);
  for (const [i, e] of q.examples.entries()) {
    const score = e.expected === null ? `${e.score}` : `${e.score} (${e.expected.toFixed(2)})`;
    lines.push(`  ${(i === 0 ? 'examples' : '').padEnd(14)} ${clip(e.heading, 40)} -> ${clip(e.instruction, 90)} -> score ${score}`);
  }
  if (r.figures) lines.push(`  ${'model quality'.padEnd(14)} ${figuresLine(r.figures)}`);
  const tierTopics = t.topics.filter((x) => x.schema === 'humpback.CuratedExample').map((x) => `${x.name.slice(r.runId.length + 1)} ${count(x.name)}`);
  lines.push(`  ${'tiers'.padEnd(14)} ${tierTopics.join(', ')}`);
  if (r.snapshot) {
    const c = r.snapshot.manifest.counts;
    lines.push(`  ${'snapshot'.padEnd(14)} ${r.snapshot.dir}: ${c.examples} examples (augmented ${c.augmented}, seed ${c.seed}); manifest ${path.join(r.snapshot.dir, 'manifest.json')}`);
  } else lines.push(`  ${'snapshot'.padEnd(14)} nothing to snapshot (no curated examples and no seed data)`);
  const phases = Object.entries(r.timings).map(([p, s]) => `${p} ${clockText(s)}`).join(', ');
  lines.push(`  ${'time'.padEnd(14)} ${phases}`);
  lines.push(`  ${'inspect'.padEnd(14)} topics ${r.runId}.* (e.g. kcat -C -t ${r.runId}.candidates -e), topology ${path.join(r.runDir, 'topology.yaml')}`);
  return lines.join('\n') + '\n';
}
