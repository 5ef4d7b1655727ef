import type { StageOutput } from '../../src/runtime/projection';
import { modelIdOf, seedOf } from '../../src/stages/llmStage';
import { PaidOnce, paidOnceFor } from '../../src/stages/paidOnce';
import { KeySet } from '../../src/stages/topicKeySet';
import { contentKey } from '../../src/stages/contentKey';
import { testStageContext } from '../helpers/stageContext';

const K = contentKey('k');
const out = (v: string): StageOutput<string>[] => [{ key: K, value: v }];

function counting(outputs: StageOutput<string>[] = out('x')) {
  const calls = { n: 0 };
  const work = async (): Promise<StageOutput<string>[]> => {
    calls.n += 1;
    await new Promise((r) => setTimeout(r, 5));
    return outputs;
  };
  return { calls, work };
}

describe('PaidOnce (Kafka mode: emitted is not yet acknowledged)', () => {
  it('does no work for a key already in the output topic', async () => {
    const produced = new KeySet();
    await produced.add(K);
    const once = new PaidOnce<string>(produced, { emittedIsFinal: false });
    const { calls, work } = counting();
    expect(await once.run(K, work)).toEqual({ kind: 'done' });
    expect(calls.n).toBe(0);
  });

  it('re-emits its own recent output without a call (the runner re-runs a record whose send failed)', async () => {
    const once = new PaidOnce<string>(new KeySet(), { emittedIsFinal: false });
    const { calls, work } = counting();
    expect(await once.run(K, work)).toEqual({ kind: 'outputs', outputs: out('x') });
    expect(await once.run(K, work)).toEqual({ kind: 'outputs', outputs: out('x') });
    expect(calls.n).toBe(1);
  });

  it('shares one call between concurrent runs of a key', async () => {
    const once = new PaidOnce<string>(new KeySet(), { emittedIsFinal: false });
    const { calls, work } = counting();
    const results = await Promise.all([once.run(K, work), once.run(K, work), once.run(K, work)]);
    expect(results.every((r) => r.kind === 'outputs')).toBe(true);
    expect(calls.n).toBe(1);
  });

  it('calls again after a failed call, and forgets the oldest outputs past its limit', async () => {
    const once = new PaidOnce<string>(new KeySet(), { emittedIsFinal: false, recentLimit: 2 });
    await expect(once.run(K, async () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    const { calls, work } = counting();
    await once.run(K, work);
    await once.run(contentKey('b'), work);
    await once.run(contentKey('c'), work);
    await once.run(K, work); // evicted: paid again (only within one process, beyond the in-flight window)
    expect(calls.n).toBe(4);
  });
});

describe('PaidOnce offline', () => {
  it('counts a key as produced once its output is emitted', async () => {
    const { ctx } = testStageContext('bt');
    const once = await paidOnceFor<string>(ctx);
    const { calls, work } = counting();
    expect(await once.run(K, work)).toEqual({ kind: 'outputs', outputs: out('x') });
    expect(await once.run(K, work)).toEqual({ kind: 'done' });
    expect(calls.n).toBe(1);
  });
});

describe('model ids in output keys', () => {
  it.each([
    ['openai:http://10.0.0.1:8000/v1#Qwen2.5-7B', 'Qwen2.5-7B'],
    ['pool:openai:http://a:8000/v1#m|openai:http://b:8000/v1#m', 'm'],
    ['pool:openai:http://a:8000/v1#m2|openai:http://b:8000/v1#m1', 'm1|m2'],
    ['embedded:gemma-3-270m-q4_k_m', 'gemma-3-270m-q4_k_m'],
  ])('%s -> %s (the endpoint is not part of the key)', (id, model) => {
    expect(modelIdOf(id)).toBe(model);
  });

  it('derives a stable non-negative seed per key and attempt', () => {
    expect(seedOf(K)).toBe(seedOf(K));
    expect(seedOf(K, 1)).not.toBe(seedOf(K));
    expect(seedOf('ffffffff')).toBeGreaterThanOrEqual(0);
  });
});
