import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC, type MetricDef } from './names';

/** What the stage runtime reports; one object per stage, labels bound once. */
export interface StageMetrics {
  consumed(topic: string): void;
  produced(topic: string, count: number): void;
  filtered(reason: string): void;
  deadLettered(reason: string): void;
  retried(): void;
  observeProcessingSeconds(seconds: number): void;
  setInFlight(count: number): void;
  consumerCrashed(): void;
}

type Metrics = {
  consumed: Counter<string>;
  produced: Counter<string>;
  filtered: Counter<string>;
  deadLettered: Counter<string>;
  retries: Counter<string>;
  processing: Histogram<string>;
  inFlight: Gauge<string>;
  crashes: Counter<string>;
};

const byRegistry = new WeakMap<Registry, Metrics>();

/** Metric objects are created once per registry: prom-client refuses to register a name twice. */
function metricsFor(registry: Registry): Metrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const counter = (m: MetricDef): Counter<string> => counterIn(registry, m);
  const created: Metrics = {
    consumed: counter(METRIC.recordsConsumed),
    produced: counter(METRIC.recordsProduced),
    filtered: counter(METRIC.recordsFiltered),
    deadLettered: counter(METRIC.recordsDeadLettered),
    retries: counter(METRIC.stageRetries),
    crashes: counter(METRIC.consumerCrashes),
    processing: new Histogram({
      name: METRIC.processingSeconds.name,
      help: METRIC.processingSeconds.help,
      labelNames: [...METRIC.processingSeconds.labels],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    inFlight: new Gauge({ name: METRIC.recordsInFlight.name, help: METRIC.recordsInFlight.help, labelNames: [...METRIC.recordsInFlight.labels], registers: [registry] }),
  };
  byRegistry.set(registry, created);
  return created;
}

export function createStageMetrics(registry: Registry, stage: string): StageMetrics {
  const m = metricsFor(registry);
  return {
    consumed: (topic) => m.consumed.inc({ stage, topic }),
    produced: (topic, count) => m.produced.inc({ stage, topic }, count),
    filtered: (reason) => m.filtered.inc({ stage, reason }),
    deadLettered: (reason) => m.deadLettered.inc({ stage, reason }),
    retried: () => m.retries.inc({ stage }),
    observeProcessingSeconds: (s) => m.processing.observe({ stage }, s),
    setInFlight: (n) => m.inFlight.set({ stage }, n),
    consumerCrashed: () => m.crashes.inc({ stage }),
  };
}

/** A counter registered in `registry` from its definition in names.ts. */
export function counterIn(registry: Registry, m: MetricDef): Counter<string> {
  return new Counter({ name: m.name, help: m.help, labelNames: [...m.labels], registers: [registry] });
}
