/**
 * deploy/prometheus checked by Prometheus' own promtool (Debian's build, extracted into the cache by
 * ensureDebianBinary; set HUMPBACK_PROMTOOL to use another). No broker or server involved.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ensureDebianBinary } from '../../src/dev/debianBinary';

const root = path.join(__dirname, '..', '..');
const rel = (p: string): string => path.join('deploy', 'prometheus', p);

interface Result { code: number; output: string }

function promtool(bin: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

interface RuleFile { groups: { rules: { alert?: string }[] }[] }
interface AlertTest { alertname: string; exp_alerts?: unknown[] | null }
interface TestFile { tests: { name: string; alert_rule_test?: AlertTest[] }[] }

describe('deploy/prometheus with promtool', () => {
  let bin: string;

  // The first run downloads Debian's prometheus package (~19 MB) with apt-get download.
  beforeAll(async () => {
    bin = await ensureDebianBinary('prometheus', 'promtool');
  }, 180_000);

  it('alerts.yml passes promtool check rules', async () => {
    const r = await promtool(bin, ['check', 'rules', rel('alerts.yml')]);
    expect(r).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('prometheus.yml passes promtool check config', async () => {
    const r = await promtool(bin, ['check', 'config', rel('prometheus.yml')]);
    expect(r).toEqual({ code: 0, output: expect.stringContaining('valid prometheus config') });
  });

  it('alerts.test.yml passes promtool test rules', async () => {
    const r = await promtool(bin, ['test', 'rules', rel('alerts.test.yml')]);
    expect(r).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('every alert has a test where it fires and one where it must not', () => {
    const rules = YAML.parse(fs.readFileSync(path.join(root, rel('alerts.yml')), 'utf8')) as RuleFile;
    const tests = YAML.parse(fs.readFileSync(path.join(root, rel('alerts.test.yml')), 'utf8')) as TestFile;
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect(alerts.length).toBeGreaterThanOrEqual(7);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, quiet: true });
    }
  });
});
