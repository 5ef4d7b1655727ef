import { contentKey } from '../../src/stages/contentKey';
import { configSchema, DEFAULT_TIERS, tierFilterStage } from '../../src/stages/tierFilter';
import { parseTopology } from '../../src/topology/loader';
import { sampleScoredCandidate } from '../helpers/sampleRecords';
import { testStageContext } from '../helpers/stageContext';

async function route(score: number, options: Record<string, unknown> = {}, expected: number | null = null) {
  const { ctx, filtered } = testStageContext('tier-filter', 777);
  const project = await tierFilterStage.create(configSchema.parse(options), ctx);
  const scored = sampleScoredCandidate({ scored_id: contentKey('scored', score), score, expected_score: expected });
  return { scored, outputs: await project(scored), filtered };
}

describe('tier filter stage', () => {
  it.each([
    [5, ['curated.tier5', 'curated.tier4']],
    [4, ['curated.tier4']],
    [3, []],
    [1, []],
  ])('score %d goes to %j', async (score, topics) => {
    const { outputs, filtered } = await route(score);
    expect(outputs.map((o) => o.topic)).toEqual(topics);
    expect(filtered).toEqual(topics.length === 0 ? { 'below-tiers': 1 } : {});
  });

  it('writes an augmented example per tier, keyed by (scored id, tier), with lineage', async () => {
    const { scored, outputs } = await route(5);
    expect(outputs.map((o) => [o.key, o.value.tier])).toEqual([
      [contentKey(scored.scored_id, 5), 5],
      [contentKey(scored.scored_id, 4), 4],
    ]);
    expect(outputs[0].value).toEqual({
      example_id: outputs[0].key,
      tier: 5,
      source: 'augmented',
      instruction: scored.instruction,
      output: scored.output,
      score: 5,
      scored_id: scored.scored_id,
      candidate_id: scored.candidate_id,
      segment_id: scored.segment_id,
      url: scored.url,
      instruction_model: scored.instruction_model,
      scorer_model: scored.scorer_model,
      scorer_prompt_version: scored.scorer_prompt_version,
      iteration: scored.iteration,
      curated_at: 777,
      expected_score: scored.expected_score,
    });
  });

  it('minExpected also requires the expected score (the integer score where there is none)', async () => {
    const tiers = [{ name: 'strict5', minScore: 5, minExpected: 4.7, topic: 'strict' }];
    expect((await route(5, { tiers }, 4.55)).outputs).toEqual([]);
    expect((await route(5, { tiers }, 4.8)).outputs.map((o) => [o.topic, o.value.expected_score])).toEqual([['strict', 4.8]]);
    expect((await route(5, { tiers }, null)).outputs.map((o) => o.topic)).toEqual(['strict']); // text mode: 5 >= 4.7
  });

  it('takes tiers from the config', async () => {
    const tiers = [{ name: 'good', minScore: 3, topic: 'good' }];
    expect((await route(3, { tiers })).outputs.map((o) => [o.topic, o.value.tier])).toEqual([['good', 3]]);
  });

  it('declares the tier topics as extra outputs and rejects repeated tier names or topics', () => {
    expect(tierFilterStage.extraOutputTopics?.(configSchema.parse({}))).toEqual(DEFAULT_TIERS.map((t) => t.topic));
    const twice = configSchema.safeParse({ tiers: [{ name: 'a', minScore: 5, topic: 't' }, { name: 'a', minScore: 4, topic: 't' }] });
    expect(twice.success).toBe(false);
    expect(twice.error?.issues.map((i) => i.path.join('.'))).toEqual(['tiers.1.name', 'tiers.1.topic']);
    expect(configSchema.safeParse({ tiers: [{ name: 'a', minScore: 6, topic: 't' }] }).success).toBe(false);
  });

  it('a topology routing a tier to an undeclared or wrongly typed topic fails at load time, with the path', () => {
    const yaml = `version: 1
name: t
topics:
  - { name: scored, schema: humpback.ScoredCandidate }
  - { name: a5, schema: humpback.CuratedExample }
  - { name: segs, schema: humpback.Segment }
stages:
  - name: f
    type: tier-filter
    input: scored
    output: a5
    tiers:
      - { name: tier5, minScore: 5, topic: a5 }
      - { name: tier4, minScore: 4, topic: a4 }
      - { name: tier3, minScore: 3, topic: segs }
`;
    expect(() => parseTopology(yaml, 't.yaml')).toThrow(/stages\[0\]\.tiers\[1\]\.topic: unknown topic "a4"[\s\S]*stages\[0\]\.tiers\[2\]\.topic: topic "segs" carries humpback\.Segment/);
  });
});
