import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { isKnownMetric, metricNamesIn, PROMETHEUS_BUILTINS } from '../helpers/promql';

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface RuleFile { groups: { name: string; rules: Rule[] }[] }

const file = path.join(__dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml');
const rules = (YAML.parse(fs.readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));

describe('deploy/prometheus/alerts.yml', () => {
  it('uses only metric names from src/metrics/names.ts, Prometheus built-ins or its own recording rules', () => {
    const unknown = rules.flatMap((r) =>
      metricNamesIn(r.expr)
        .filter((n) => !isKnownMetric(n) && !PROMETHEUS_BUILTINS.has(n) && !recorded.has(n))
        .map((n) => `${r.alert ?? r.record}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('has the required alerts, each with for:, a severity and a summary and description', () => {
    const alerts = rules.filter((r) => r.alert);
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      ['HumpbackDeadLettersRising', 'HumpbackLagGrowing', 'HumpbackLlmErrorRateHigh', 'HumpbackScoreParseFailuresHigh', 'HumpbackSnapshotStale', 'HumpbackStageDown', 'HumpbackStageStalled'].sort(),
    );
    for (const a of alerts) {
      expect({ alert: a.alert, for: a.for }).toEqual({ alert: a.alert, for: expect.stringMatching(/^\d+[smh]$/) });
      expect(['critical', 'warning']).toContain(a.labels?.severity);
      expect(a.annotations?.summary).toBeTruthy();
      expect(a.annotations?.description).toMatch(/First check/);
    }
  });
});
