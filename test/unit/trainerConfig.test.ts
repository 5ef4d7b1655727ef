import fs from 'node:fs';
import path from 'node:path';
import { parseTopology, resolveTopology, TopologyError } from '../../src/topology/loader';
import { trainerSettings } from '../../src/trainer/settings';

const BASE = `
version: 1
name: t
topics:
  - { name: scored, schema: humpback.ScoredCandidate }
  - { name: curated.tier5, schema: humpback.CuratedExample }
  - { name: curated.tier4, schema: humpback.CuratedExample }
`;

function problems(yaml: string): string[] {
  try {
    parseTopology(yaml, 't.yaml');
    return [];
  } catch (err) {
    if (err instanceof TopologyError) return [...err.problems];
    throw err;
  }
}

describe('trainer block of a topology', () => {
  it('defaults to snapshotting curated.tier5 as chat lines (tag in the system turn) with all seed pairs, on demand', () => {
    const topology = parseTopology(BASE, 't.yaml');
    expect(topology.trainer).toEqual({
      outDir: 'snapshots',
      format: 'chat',
      sourceTag: 'system',
      seed: { file: 'samples/seed.jsonl', mix: 'all' },
      shardLines: 10_000,
      sessionTimeoutMs: 30_000,
    });
    const settings = trainerSettings(resolveTopology(topology), topology.trainer);
    expect(settings).toMatchObject({ group: 't.trainer', topics: ['curated.tier5'], outDir: path.resolve('snapshots'), every: undefined });
    expect(settings.seeds.length).toBeGreaterThan(0);
  });

  it('takes a policy, a hook, a seed count and an iteration', () => {
    const yaml = `${BASE}trainer:
  topics: [curated.tier4]
  format: alpaca
  seed: { mix: 2 }
  every: { examples: 100, minutes: 5 }
  hook: { command: ./train.sh }
  iteration: 2
`;
    const topology = parseTopology(yaml, 't.yaml');
    const settings = trainerSettings(resolveTopology(topology), topology.trainer);
    expect(settings).toMatchObject({ topics: ['curated.tier4'], format: 'alpaca', every: { examples: 100, minutes: 5 }, hook: { command: './train.sh', timeoutMs: 3_600_000 }, iteration: 2 });
    expect(settings.seeds).toHaveLength(2);
  });

  it('rejects trainer topics that are undeclared or do not carry curated examples, naming the path', () => {
    const found = problems(`${BASE}trainer:\n  topics: [curated.tier3, scored]\n`);
    expect(found).toEqual([
      expect.stringMatching(/trainer\.topics\[0\]: unknown topic "curated\.tier3".*Fix: use a declared curated topic \(curated\.tier5, curated\.tier4\)/),
      expect.stringMatching(/trainer\.topics\[1\]: topic "scored" carries humpback\.ScoredCandidate, but the trainer reads humpback\.CuratedExample/),
    ]);
  });

  it('rejects an empty policy, a hook without a target and unknown keys', () => {
    const found = problems(`${BASE}trainer:\n  every: {}\n  hook: { timeoutMs: 5 }\n  format: parquet\n  shards: 3\n`);
    expect(found.join('\n')).toMatch(/trainer\.every: every needs examples, minutes or both/);
    expect(found.join('\n')).toMatch(/trainer\.hook: hook needs a command or a url/);
    expect(found.join('\n')).toMatch(/trainer\.format: "parquet" is not allowed/);
    expect(found.join('\n')).toMatch(/trainer\.shards: unknown key/);
  });

  it('maps --tier to the tier topics and refuses a tier without one', () => {
    const resolved = resolveTopology(parseTopology(BASE, 't.yaml'));
    expect(trainerSettings(resolved, undefined, { tiers: [5, 4] }).topics).toEqual(['curated.tier5', 'curated.tier4']);
    expect(() => trainerSettings(resolved, undefined, { tiers: [3] })).toThrow(/no curated topic for tier 3/);
  });

  it('checks no trainer topic in a topology without a trainer block', () => {
    expect(problems('version: 1\nname: t\ntopics: []\n')).toEqual([]);
  });

  it('is valid in the shipped topology', () => {
    const file = path.join(__dirname, '..', '..', 'topologies', 'humpback.yaml');
    const topology = parseTopology(fs.readFileSync(file, 'utf8'), file);
    expect(topology.trainer).toMatchObject({ topics: ['curated.tier5'], format: 'chat', every: { examples: 1000, minutes: 60 } });
  });
});
