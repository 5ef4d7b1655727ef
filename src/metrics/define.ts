import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricDef } from './names';

/**
 * A metric from its definition in names.ts, registered in `registry` on first use and the same
 * object after (prom-client refuses a name twice, and several stages of one process share a registry).
 */
export function counterIn(registry: Registry, m: MetricDef): Counter<string> {
  return (registry.getSingleMetric(m.name) as Counter<string> | undefined) ?? new Counter({ name: m.name, help: m.help, labelNames: [...m.labels], registers: [registry] });
}

export function gaugeIn(registry: Registry, m: MetricDef): Gauge<string> {
  return (registry.getSingleMetric(m.name) as Gauge<string> | undefined) ?? new Gauge({ name: m.name, help: m.help, labelNames: [...m.labels], registers: [registry] });
}

/** Seconds from 1 ms to 10 min: record processing, LLM calls and end-to-end latency alike. */
export const SECONDS_BUCKETS = [0.001, 0.005, 0.02, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

export function histogramIn(registry: Registry, m: MetricDef, buckets: number[] = SECONDS_BUCKETS): Histogram<string> {
  return (
    (registry.getSingleMetric(m.name) as Histogram<string> | undefined) ??
    new Histogram({ name: m.name, help: m.help, labelNames: [...m.labels], buckets, registers: [registry] })
  );
}
