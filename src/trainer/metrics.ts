import type { Registry } from 'prom-client';
import { METRIC } from '../metrics/names';
import { counterIn, gaugeIn } from '../metrics/define';
import type { Manifest } from './manifest';

/** Trainer metrics; names and help live in src/metrics/names.ts with every other metric. */
export interface TrainerMetrics {
  /** A snapshot was written (or found at start: `counted` false), for the age and size gauges. */
  snapshotWritten(manifest: Pick<Manifest, 'created_at' | 'counts' | 'files'>, counted?: boolean): void;
  /** trainer.every.minutes, for the snapshot-age alert (0 = on demand only). */
  policy(minutes: number | undefined): void;
  duplicatesDropped(count: number): void;
  hookFinished(outcome: string): void;
}

const byRegistry = new WeakMap<Registry, TrainerMetrics>();

/** Created once per registry: prom-client refuses to register a name twice. */
export function createTrainerMetrics(registry: Registry): TrainerMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const snapshots = counterIn(registry, METRIC.trainerSnapshots);
  const examples = counterIn(registry, METRIC.trainerExamples);
  const duplicates = counterIn(registry, METRIC.trainerDuplicates);
  const hooks = counterIn(registry, METRIC.trainerHooks);
  const lastAt = gaugeIn(registry, METRIC.trainerLastSnapshot);
  const lastExamples = gaugeIn(registry, METRIC.trainerLastSnapshotExamples);
  const lastBytes = gaugeIn(registry, METRIC.trainerLastSnapshotBytes);
  const policy = gaugeIn(registry, METRIC.trainerSnapshotPolicySeconds);
  const metrics: TrainerMetrics = {
    snapshotWritten: (m, counted = true) => {
      if (counted) {
        snapshots.inc();
        examples.inc({ source: 'augmented' }, m.counts.augmented);
        examples.inc({ source: 'seed' }, m.counts.seed);
      }
      lastAt.set(Date.parse(m.created_at) / 1000);
      lastExamples.set(m.counts.examples);
      lastBytes.set(m.files.reduce((n, f) => n + f.bytes, 0));
    },
    policy: (minutes) => policy.set((minutes ?? 0) * 60),
    duplicatesDropped: (count) => duplicates.inc(count),
    hookFinished: (outcome) => hooks.inc({ outcome }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
