import type { Registry } from 'prom-client';

/** The sum of a metric's series whose labels include `labels` (0 when the metric was never touched). */
export async function metricSum(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((n, v) => n + v.value, 0);
}

/** A metric's values by one label, e.g. filtered records by reason for one stage. */
export async function metricBy(registry: Registry, name: string, label: string, where: Record<string, string> = {}): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  const out: Record<string, number> = {};
  for (const v of metric ? (await metric.get()).values : []) {
    if (!Object.entries(where).every(([k, want]) => v.labels[k] === want)) continue;
    const key = String(v.labels[label]);
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}
