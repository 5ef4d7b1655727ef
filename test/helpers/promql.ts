/**
 * Metric names referenced by PromQL expressions, for checking dashboards and alert rules against
 * src/metrics/names.ts. A tokenizer, not a parser: it removes what cannot be a metric name
 * (strings, label matchers, ranges, grouping clauses, Grafana variables) and keeps the identifiers
 * that are not functions or keywords.
 */
import { METRIC } from '../../src/metrics/names';

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery durations
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables
  const names = new Set<string>();
  // Not after a digit or dot: keeps the "e3" of 1e3 and the "m" of "offset 5m" out.
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (!call && name && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

const KNOWN = new Set<string>(Object.values(METRIC).map((m) => m.name));

/** A METRIC name, or a histogram's _bucket/_sum/_count series of one. */
export function isKnownMetric(name: string): boolean {
  return KNOWN.has(name) || KNOWN.has(name.replace(/_(bucket|sum|count)$/, ''));
}

/** Prometheus' own series that humpback expressions may use. */
export const PROMETHEUS_BUILTINS: ReadonlySet<string> = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
