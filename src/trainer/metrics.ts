import type { Registry } from 'prom-client';
import { METRIC } from '../metrics/names';
import { counterIn } from '../metrics/stageMetrics';

/** Trainer metrics; names and help live in src/metrics/names.ts with every other metric. */
export interface TrainerMetrics {
  snapshotWritten(augmented: number, seed: number): void;
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
  const metrics: TrainerMetrics = {
    snapshotWritten: (augmented, seed) => {
      snapshots.inc();
      examples.inc({ source: 'augmented' }, augmented);
      examples.inc({ source: 'seed' }, seed);
    },
    duplicatesDropped: (count) => duplicates.inc(count),
    hookFinished: (outcome) => hooks.inc({ outcome }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
