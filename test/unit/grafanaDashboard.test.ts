import fs from 'node:fs';
import path from 'node:path';
import { isKnownMetric, metricNamesIn, PROMETHEUS_BUILTINS } from '../helpers/promql';

interface Target { expr?: string }
interface Panel { type: string; title: string; targets?: Target[]; panels?: Panel[]; datasource?: { uid?: string } }
interface Dashboard { schemaVersion: number; panels: Panel[]; templating: { list: { name: string; type: string }[] } }

const file = path.join(__dirname, '..', '..', 'deploy', 'grafana', 'humpback.json');
const dashboard = JSON.parse(fs.readFileSync(file, 'utf8')) as Dashboard;
// Rows may nest panels when collapsed.
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));

describe('deploy/grafana/humpback.json', () => {
  it('is a current-schema dashboard whose panels use the DS_PROMETHEUS datasource variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource' }));
    for (const p of panels.filter((x) => x.type !== 'row')) expect({ panel: p.title, uid: p.datasource?.uid }).toEqual({ panel: p.title, uid: '${DS_PROMETHEUS}' });
  });

  it('uses only metric names from src/metrics/names.ts or Prometheus built-ins', () => {
    expect(exprs.length).toBeGreaterThan(15);
    const unknown = exprs.flatMap(({ panel, expr }) => metricNamesIn(expr).filter((n) => !isKnownMetric(n) && !PROMETHEUS_BUILTINS.has(n)).map((n) => `${panel}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it('has the required panels', () => {
    const titles = panels.map((p) => p.title);
    for (const required of [
      'Records consumed per second by stage',
      'Records produced per second by stage',
      'Consumer lag by stage',
      'Consumer lag by partition',
      'Processing latency p50/p95',
      'End-to-end latency p50/p95',
      'LLM latency p50/p95',
      'LLM requests in flight',
      'LLM errors and retries',
      'LLM tokens per second',
      'Score distribution by scorer model',
      'Tier counts',
      'Dead letters by stage and reason',
      'Filtered by reason',
      'Snapshot age',
    ]) {
      expect(titles).toContain(required);
    }
  });
});

describe('metricNamesIn', () => {
  it('keeps metric names and drops functions, labels, durations, strings and variables', () => {
    expect(metricNamesIn('histogram_quantile(0.95, sum by (stage, le) (rate(a_bucket{stage=~"$stage"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNamesIn('time() - max(b) > 2 * c offset 5m and on (job) d:rec:rate5m > 1e3')).toEqual(['b', 'c', 'd:rec:rate5m']);
    expect(metricNamesIn('label_replace(up == 0, "stage", "$1", "service", "(.+)")')).toEqual(['up']);
  });
});
