import { stageHealth } from '../../src/metrics/health';
import { metricsPort } from '../../src/metrics/server';
import { ConfigError } from '../../src/core/errors';

const NOW = 1_000_000;
const stage = { stage: 'score', joined: true, stopped: false, lastProgressAt: 0, sessionTimeoutMs: 120_000 };

describe('/healthz: connected and making progress, or idle with no lag', () => {
  it.each([
    ['idle with no lag', stage, { lag: 0, movedAt: NOW }, true],
    ['lag, and the stage finished a record 3 min ago (an LLM call may take minutes)', { ...stage, lastProgressAt: NOW - 180_000 }, { lag: 40, movedAt: 0 }, true],
    ['lag, no record of its own, but its group moved (a replica without partitions)', stage, { lag: 40, movedAt: NOW - 10_000 }, true],
    ['lag and no progress for longer than 2 x the session timeout', { ...stage, lastProgressAt: NOW - 300_000 }, { lag: 40, movedAt: NOW - 300_000 }, false],
    ['not in its consumer group', { ...stage, joined: false }, { lag: 0, movedAt: NOW }, false],
    ['stopped', { ...stage, stopped: true }, { lag: 0, movedAt: NOW }, false],
  ])('%s', (_name, s, group, healthy) => {
    expect(stageHealth(s, group, NOW).healthy).toBe(healthy);
  });

  it('a stage whose lag is not measured yet is healthy once it joined', () => {
    expect(stageHealth(stage, undefined, NOW)).toMatchObject({ healthy: true });
  });
});

describe('metrics port', () => {
  it('takes the flag, else HUMPBACK_METRICS_PORT, else 9464 (which may fall back when taken)', () => {
    expect(metricsPort('9500', {})).toEqual({ port: 9500, isDefault: false });
    expect(metricsPort(undefined, { HUMPBACK_METRICS_PORT: '9600' })).toEqual({ port: 9600, isDefault: false });
    expect(metricsPort(undefined, {})).toEqual({ port: 9464, isDefault: true });
    expect(() => metricsPort('http', {})).toThrow(ConfigError);
  });
});
