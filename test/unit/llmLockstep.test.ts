import { LockstepScheduler, type SequenceSlot, type StepSampling, type TokenText } from '../../src/llm/lockstepScheduler';
import { PoisonRecordError, RetriableError } from '../../src/core/errors';

/**
 * A fake model: tokens are character codes, 0 ends generation. Each slot "generates" the text named
 * by its prompt's first token from `scripts` (or repeats 'x' forever when there is no script).
 */
const EOG = 0;
const codec: TokenText = {
  isEndOfGeneration: (t) => t === EOG,
  detokenize: (ts) => String.fromCharCode(...ts),
};
const enc = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

interface Call {
  tick: number;
  slot: number;
  tokens: readonly number[];
  sampling: StepSampling;
  allowed?: readonly number[];
}

function fakeSlots(n: number, scripts: Record<string, string>, failOn?: string) {
  let tick = 0;
  const calls: Call[] = [];
  const resets: number[] = [];
  const state = Array.from({ length: n }, () => ({ script: '', pos: 0 }));
  // Calls made in the same synchronous run share a tick number: one "batch". A microtask, not
  // setImmediate: on a loaded machine a 1 ms step timer can fire before the check phase, which
  // merged two batches into one "tick" and failed the test.
  const bump = (): void => queueMicrotask(() => (tick += 1));
  let scheduled = -1;
  const record = (i: number, tokens: readonly number[], sampling: StepSampling, allowed?: readonly number[]): void => {
    if (scheduled !== tick) {
      scheduled = tick;
      bump();
    }
    calls.push({ tick, slot: i, tokens, sampling, allowed });
  };
  const greedy: StepSampling = { temperature: 0, topP: 1, seed: 0 };
  const slots: SequenceSlot[] = state.map((st, i) => ({
    reset: async () => {
      resets.push(i);
      st.pos = -1;
    },
    step: async (tokens, sampling) => {
      record(i, tokens, sampling);
      if (st.pos === -1) {
        st.script = scripts[String.fromCharCode(tokens[0])] ?? '';
        st.pos = 0;
      }
      await new Promise((r) => setTimeout(r, 1));
      if (failOn !== undefined && st.script === failOn) throw new Error('decode failed');
      if (!st.script) return 'x'.charCodeAt(0); // never ends by itself
      const c = st.script[st.pos++];
      return c === undefined ? EOG : c.charCodeAt(0);
    },
    // This fake model "prefers" the second-to-last allowed token: log-probabilities -3, -2, -1, -0.5, -4...
    choose: async (tokens, allowed) => {
      record(i, tokens, greedy, allowed);
      await new Promise((r) => setTimeout(r, 1));
      const logprobs = allowed.map((_, k) => (k === allowed.length - 2 ? -0.5 : -(k + 1)));
      return { token: allowed[allowed.length - 2], logprobs };
    },
    // Log-probability of a token = -(its character code) / 100, so tests can check positions.
    measure: async (tokens, from) => {
      record(i, tokens, greedy);
      await new Promise((r) => setTimeout(r, 1));
      return tokens.slice(from).map((t) => -t / 100);
    },
  }));
  return { slots, calls, resets };
}

const job = (prompt: string, extra: Partial<Parameters<LockstepScheduler['generate']>[0]> = {}) => ({
  prompt: enc(prompt),
  maxTokens: 100,
  temperature: 0.7,
  topP: 0.9,
  timeoutMs: 60_000,
  ...extra,
});

describe('LockstepScheduler', () => {
  it('runs at most N jobs at once and batches every step across the busy sequences, in index order', async () => {
    const scripts = Object.fromEntries('abcdefghij'.split('').map((k) => [k, `answer ${k}`]));
    const { slots, calls } = fakeSlots(4, scripts);
    const s = new LockstepScheduler(slots, codec, { contextSize: 512 });
    const results = await Promise.all('abcdefghij'.split('').map((k) => s.generate(job(k))));
    expect(results.map((r) => r.text)).toEqual('abcdefghij'.split('').map((k) => `answer ${k}`));
    const byTick = new Map<number, number[]>();
    for (const c of calls) byTick.set(c.tick, [...(byTick.get(c.tick) ?? []), c.slot]);
    for (const slotsInTick of byTick.values()) {
      expect(slotsInTick.length).toBeLessThanOrEqual(4);
      expect(slotsInTick).toEqual([...slotsInTick].sort((a, b) => a - b)); // increasing sequence ids
    }
    // 10 jobs of 9 tokens on 4 sequences: mostly full batches.
    expect(s.stats.sequenceSteps / s.stats.steps).toBeGreaterThan(3);
  });

  it('keeps busy sequences contiguous from 0 while work is queued (no gaps that split a ubatch)', async () => {
    const { slots, calls } = fakeSlots(3, { a: 'a', b: 'bbbbbbbb', c: 'cccc', d: 'dddddddd', e: 'ee' });
    const s = new LockstepScheduler(slots, codec, { contextSize: 512 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => s.generate(job(k))));
    const firstTicks = new Map<number, number[]>();
    for (const c of calls) firstTicks.set(c.tick, [...(firstTicks.get(c.tick) ?? []), c.slot]);
    // While 5 jobs share 3 slots, a freed slot is refilled at once: the first ticks use 0,1,2.
    expect([...firstTicks.values()].slice(0, 4)).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
  });

  it('resets a sequence once per job, before its prompt', async () => {
    const { slots, resets, calls } = fakeSlots(2, { a: 'aa', b: 'bb', c: 'cc' });
    const s = new LockstepScheduler(slots, codec, { contextSize: 512 });
    await Promise.all(['a', 'b', 'c'].map((k) => s.generate(job(k))));
    expect(resets).toHaveLength(3);
    expect(calls[0].tokens).toEqual(enc('a'));
  });

  it('stops at end-of-generation with exact token counts', async () => {
    const { slots } = fakeSlots(1, { q: 'hi' });
    const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('q?'));
    expect(r).toEqual({ text: 'hi', tokensIn: 2, tokensOut: 2, finishReason: 'stop' });
  });

  it('honours maxTokens on a model that never stops', async () => {
    const { slots } = fakeSlots(1, {});
    const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('z', { maxTokens: 5 }));
    expect(r).toMatchObject({ text: 'xxxxx', tokensOut: 5, finishReason: 'length' });
  });

  it('stops at the end of the context', async () => {
    const { slots } = fakeSlots(1, {});
    const r = await new LockstepScheduler(slots, codec, { contextSize: 8 }).generate(job('zzz'));
    expect(r).toMatchObject({ tokensIn: 3, tokensOut: 5, finishReason: 'length' });
  });

  it('cuts the text at the first stop string', async () => {
    const { slots } = fakeSlots(1, { q: 'What is X?\nScore: 5' });
    const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('q', { stop: ['\nScore', '?'] }));
    expect(r).toMatchObject({ text: 'What is X', finishReason: 'stop' });
  });

  it('fails a job that passes its deadline with a RetriableError', async () => {
    let clock = 0;
    const { slots } = fakeSlots(1, {});
    const s = new LockstepScheduler(slots, codec, { contextSize: 100_000, now: () => (clock += 10) });
    await expect(s.generate(job('z', { maxTokens: 1_000_000, timeoutMs: 200 }))).rejects.toThrow(RetriableError);
  });

  it('refuses a prompt longer than the context as a poison record', async () => {
    const { slots } = fakeSlots(1, {});
    await expect(new LockstepScheduler(slots, codec, { contextSize: 4 }).generate(job('abcd'))).rejects.toThrow(PoisonRecordError);
  });

  it('drops an aborted queued job without running it', async () => {
    const { slots, calls } = fakeSlots(1, { a: 'aaaa', b: 'bbbb' });
    const s = new LockstepScheduler(slots, codec, { contextSize: 512 });
    const controller = new AbortController();
    const first = s.generate(job('a'));
    const second = s.generate(job('b', { signal: controller.signal }));
    controller.abort();
    await expect(second).rejects.toThrow(/aborted/);
    await first;
    expect(calls.some((c) => c.tokens[0] === 'b'.charCodeAt(0))).toBe(false);
  });

  it('a failing step fails only its own job', async () => {
    const { slots } = fakeSlots(2, { a: 'aaaa', b: 'bad' }, 'bad');
    const s = new LockstepScheduler(slots, codec, { contextSize: 512 });
    const [a, b] = await Promise.allSettled([s.generate(job('a')), s.generate(job('b'))]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { text: 'aaaa' } });
    expect(b).toMatchObject({ status: 'rejected' });
    expect((b as PromiseRejectedResult).reason).toBeInstanceOf(RetriableError);
  });

  it('derives per-step seeds from the request seed (reproducible sampling)', async () => {
    const { slots, calls } = fakeSlots(1, { a: 'abc' });
    await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('a', { seed: 42, temperature: 0.3, topP: 0.8 }));
    expect(calls.map((c) => c.sampling)).toEqual([0, 1, 2, 3].map((k) => ({ temperature: 0.3, topP: 0.8, seed: 42 + k })));
  });

  it('close() rejects queued work and refuses new work', async () => {
    const { slots } = fakeSlots(1, { a: 'aaaaaaaa', b: 'b' });
    const s = new LockstepScheduler(slots, codec, { contextSize: 512 });
    const running = s.generate(job('a'));
    const queued = s.generate(job('b'));
    const closing = s.close();
    await expect(queued).rejects.toThrow(RetriableError);
    await expect(running).rejects.toThrow(RetriableError);
    await closing;
    await expect(s.generate(job('a'))).rejects.toThrow(/closed/);
  });

  describe('forced final choice', () => {
    const digits = enc('12345');
    const scoreChoice = (satisfied = (t: string) => /Score: [1-5]$/.test(t)) => ({ prefix: enc('\nScore: '), choices: digits, satisfied });

    it('appends the prefix after the free text and takes the allowed token the model prefers', async () => {
      const { slots, calls } = fakeSlots(1, { q: 'Clear and complete.' });
      const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('q', { finalChoice: scoreChoice() }));
      expect(r).toMatchObject({ text: 'Clear and complete.\nScore: 4', finishReason: 'stop', tokensOut: 'Clear and complete.'.length + 'Score: 4'.length + 1 });
      const last = calls[calls.length - 1];
      expect(last.allowed).toEqual(digits);
      expect(codec.detokenize(last.tokens)).toBe('\nScore: '); // after end-of-generation nothing else is pending
      expect(calls.filter((c) => c.allowed).length).toBe(1);
    });

    it('leaves an answer that already satisfies the caller alone', async () => {
      const { slots, calls } = fakeSlots(1, { q: 'Fine.\nScore: 5' });
      const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('q', { finalChoice: scoreChoice() }));
      expect(r.text).toBe('Fine.\nScore: 5');
      expect(calls.some((c) => c.allowed)).toBe(false);
    });

    it('keeps room for the forced tokens within maxTokens, evaluating the last sampled token first', async () => {
      const { slots, calls } = fakeSlots(1, {});
      const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('z', { maxTokens: 20, finalChoice: scoreChoice() }));
      expect(r.tokensOut).toBeLessThanOrEqual(20);
      expect(r.text).toMatch(/^x+\nScore: 4$/);
      expect(codec.detokenize(calls[calls.length - 1].tokens)).toBe('x\nScore: ');
    });

    it('reports the log-probability of every choice at the forced position', async () => {
      const { slots } = fakeSlots(1, { q: 'Clear.' });
      const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('q', { finalChoice: scoreChoice() }));
      expect(r.choice).toEqual({ index: 3, logprobs: [-1, -2, -3, -0.5, -5] });
    });

    it('with maxTokens 0 forces the choice right after the prompt, in one step', async () => {
      const { slots, calls } = fakeSlots(1, { q: 'never sampled' });
      const r = await new LockstepScheduler(slots, codec, { contextSize: 512 }).generate(job('q', { maxTokens: 0, finalChoice: scoreChoice(() => false) }));
      expect(r.text).toBe('\nScore: 4');
      expect(calls).toHaveLength(1);
      expect(codec.detokenize(calls[0].tokens)).toBe('q\nScore: ');
      expect(calls[0].allowed).toEqual(digits);
    });

    it('refuses a prompt that leaves no room for the forced tokens', async () => {
      const { slots } = fakeSlots(1, {});
      await expect(new LockstepScheduler(slots, codec, { contextSize: 10 }).generate(job('abc', { finalChoice: scoreChoice() }))).rejects.toThrow(PoisonRecordError);
    });
  });

  describe('measuring a given continuation', () => {
    it('returns the log-probability of each continuation token, batched with generations in one step', async () => {
      const { slots, calls } = fakeSlots(2, { a: 'ok' });
      const s = new LockstepScheduler(slots, codec, { contextSize: 512 });
      const [gen, lp] = await Promise.all([s.generate(job('a')), s.measure({ prompt: enc('p:'), continuation: enc('AB'), timeoutMs: 60_000 })]);
      expect(gen.text).toBe('ok');
      expect(lp).toEqual([-0.65, -0.66]); // 'A' = 65, 'B' = 66
      const measureCall = calls.find((c) => codec.detokenize(c.tokens) === 'p:AB')!;
      expect(calls.filter((c) => c.tick === measureCall.tick).map((c) => c.slot)).toEqual([0, 1]); // same batch as the generation's first step
    });

    it('refuses a continuation that does not fit the context, and answers an empty one at once', async () => {
      const { slots, calls } = fakeSlots(1, {});
      const s = new LockstepScheduler(slots, codec, { contextSize: 4 });
      await expect(s.measure({ prompt: enc('abc'), continuation: enc('de'), timeoutMs: 60_000 })).rejects.toThrow(PoisonRecordError);
      await expect(s.measure({ prompt: enc('abc'), continuation: [], timeoutMs: 60_000 })).resolves.toEqual([]);
      expect(calls).toHaveLength(0);
    });
  });
});
