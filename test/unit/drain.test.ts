import { drainProgressLine } from '../../src/session/drainProgress';
import { upstreamFirst } from '../../src/session/drain';
import { ConfigError } from '../../src/core/errors';
import type { ResolvedStage } from '../../src/topology/loader';

const stage = (name: string, input: string, output: string, extraOutputs: string[] = []) => ({ name, input, output, extraOutputs }) as ResolvedStage;

describe('batch mode (run --until-drained)', () => {
  it('drains stages upstream first, whatever order the topology lists them in', () => {
    const order = upstreamFirst([stage('tiers', 'scored', 'tier5', ['tier5', 'tier4']), stage('score', 'candidates', 'scored'), stage('bt', 'segments', 'candidates')]);
    expect(order.map((s) => s.name)).toEqual(['bt', 'score', 'tiers']);
  });

  it('refuses stages that feed each other, since they never drain', () => {
    expect(() => upstreamFirst([stage('a', 'x', 'y'), stage('b', 'y', 'x')])).toThrow(ConfigError);
  });

  it('prints progress as plain lines when not on a terminal, at most every interval and always the last', () => {
    const written: string[] = [];
    let clock = 0;
    const show = drainProgressLine({ isTTY: false, write: (t: string) => written.push(t) }, { everyMs: 10_000, now: () => clock });
    show([{ stage: 'bt', done: 0, total: 40, drained: false }]);
    clock = 5_000;
    show([{ stage: 'bt', done: 10, total: 40, drained: false }]); // too soon
    clock = 6_000;
    show([{ stage: 'bt', done: 40, total: 40, drained: true }]); // finished: always shown
    expect(written).toEqual(['bt 0/40\n', 'bt 40/40 done\n']);
  });
});
