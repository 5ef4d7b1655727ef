import path from 'node:path';
import { ConfigError } from '../../src/core/errors';
import { loadTopology, resolveTopology } from '../../src/topology/loader';
import { iterationTopic, iterationTopology, namespaced } from '../../src/topology/rewrite';

const base = loadTopology(path.join(__dirname, '..', '..', 'topologies', 'humpback.yaml'));
const stage = (t: ReturnType<typeof resolveTopology>, name: string) => t.stages.find((s) => s.name === name)!;

describe('iteration topology (humpback replay)', () => {
  const t = resolveTopology(iterationTopology(base, 2));

  it('re-runs the scorer and the stages downstream of it in new consumer groups, reading the same candidates', () => {
    expect(t.stages.map((s) => s.name)).toEqual(['score', 'tier-filter']);
    const score = stage(t, 'score');
    expect(score).toMatchObject({ input: 'candidates', output: 'scored.iter2', dlq: 'score.iter2.dlq', groupId: 'humpback.iter2.score' });
    expect(score.config.iteration).toBe(2);
    const tiers = stage(t, 'tier-filter');
    expect(tiers).toMatchObject({ input: 'scored.iter2', groupId: 'humpback.iter2.tier-filter', extraOutputs: ['curated.tier5.iter2', 'curated.tier4.iter2'] });
    // Tier names are not topics: only topic references are renamed.
    expect((tiers.config.tiers as Array<{ name: string }>).map((x) => x.name)).toEqual(['tier5', 'tier4']);
  });

  it('declares the iteration topics with the same settings, and nothing upstream of the candidates', () => {
    const names = t.topics.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['candidates', 'scored.iter2', 'curated.tier5.iter2', 'curated.tier4.iter2', 'score.iter2.dlq', 'tier-filter.iter2.dlq']));
    expect(names).not.toContain('documents');
    expect(names).not.toContain('scored');
    const tier5 = t.topics.find((x) => x.name === 'curated.tier5.iter2')!;
    expect(tier5).toMatchObject({ compacted: true, schema: 'humpback.CuratedExample' });
  });

  it('points the trainer at the iteration topics and records the iteration', () => {
    expect(iterationTopology(base, 3).trainer).toMatchObject({ topics: ['curated.tier5.iter3'], iteration: 3 });
  });

  it('names dead-letter topics by iteration before the .dlq suffix', () => {
    expect(iterationTopic('score.dlq', 2)).toBe('score.iter2.dlq');
    expect(iterationTopic('scored', 2)).toBe('scored.iter2');
  });

  it('refuses a topology without a score stage, saying what to add', () => {
    expect(() => iterationTopology({ ...base, stages: base.stages.filter((s) => s.type !== 'score') }, 2)).toThrow(ConfigError);
  });
});

describe('namespaced topology (humpback demo)', () => {
  const t = resolveTopology(namespaced(base, 'demo-1'));

  it('prefixes every topic, dead-letter topic and consumer group, options included', () => {
    expect(t.topics.every((x) => x.name.startsWith('demo-1.'))).toBe(true);
    expect(stage(t, 'dedup')).toMatchObject({ input: 'demo-1.segments.raw', output: 'demo-1.segments', dlq: 'demo-1.dedup.dlq', groupId: 'demo-1.dedup' });
    expect(stage(t, 'dedup').config.seenTopic).toBe('demo-1.segments.seen');
    expect(stage(t, 'tier-filter').extraOutputs).toEqual(['demo-1.curated.tier5', 'demo-1.curated.tier4']);
    expect(namespaced(base, 'demo-1').trainer?.topics).toEqual(['demo-1.curated.tier5']);
  });
});
