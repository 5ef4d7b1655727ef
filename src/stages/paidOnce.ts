import type { StageContext } from './stage';
import type { Outputs, Projection, StageOutput } from '../runtime/projection';
import { KeySet, TopicKeySet } from './topicKeySet';

/**
 * "No paid work is done twice" for the LLM stages. Their output key (candidate_id, scored_id) is a
 * hash of the input and the model, computable before the call, so the stage can look it up first:
 *   - in the set of keys already in the output topic (loaded at start, caught up after every
 *     rebalance): the work was done and acknowledged by the broker: emit nothing (`already-done`);
 *   - in a memo of outputs this process computed recently: emit them again, without a call. The
 *     key is NOT added to the produced set when its output is emitted, because emitted is not yet
 *     acknowledged: if the send fails the runner runs the stage again, and a key counted as
 *     produced then would drop the output for good. Re-emitting the memo costs nothing and a
 *     duplicate carries the same key and value.
 * Offline (no broker) an emitted output is final, so its key joins the set at once.
 * Not covered: inputs whose work produced no output (filtered, dead-lettered) are paid again on a
 * replay; and during a rebalance a record the previous owner was still working on may be paid twice.
 */
export type PaidOnceResult<Out> = { kind: 'done' } | { kind: 'outputs'; outputs: StageOutput<Out>[] };

export interface PaidOnceOptions {
  /** Offline: an emitted output cannot be refused any more, so its key counts as produced. */
  emittedIsFinal: boolean;
  /** Outputs remembered for re-emission; must exceed the records in flight (the runner's maxInFlight). */
  recentLimit?: number;
}

export class PaidOnce<Out> {
  private readonly recent = new Map<string, Promise<StageOutput<Out>[]>>();
  private readonly recentLimit: number;

  constructor(
    private readonly produced: KeySet,
    private readonly o: PaidOnceOptions,
  ) {
    this.recentLimit = o.recentLimit ?? 4096;
  }

  /** Runs `work` for `key` unless its output was already produced (or is being produced) here. */
  async run(key: string, work: () => Promise<StageOutput<Out>[]>): Promise<PaidOnceResult<Out>> {
    if (await this.produced.has(key)) return { kind: 'done' };
    // No await between this look-up and remember(): concurrent callers share one call.
    const pending = this.recent.get(key);
    if (pending) {
      this.remember(key, pending); // most recently used
      const outputs = await pending;
      return this.o.emittedIsFinal ? { kind: 'done' } : { kind: 'outputs', outputs };
    }
    const started = work();
    this.remember(key, started);
    try {
      const outputs = await started;
      if (this.o.emittedIsFinal && outputs.length > 0) await this.produced.add(key);
      return { kind: 'outputs', outputs };
    } catch (err) {
      // A failed call bought nothing: the next attempt must call again.
      if (this.recent.get(key) === started) this.recent.delete(key);
      throw err;
    }
  }

  /**
   * The LLM stages' projection: each input's output key is known before the call; an input whose
   * output was already produced emits nothing and counts as `already-done`.
   */
  projection<In>(keyOf: (input: In) => string, work: (input: In, key: string) => Promise<StageOutput<Out>[]>, countFiltered: (reason: string) => void): Projection<In, Out> {
    return async (input): Promise<Outputs<Out>> => {
      const key = keyOf(input);
      const result = await this.run(key, () => work(input, key));
      if (result.kind === 'outputs') return result.outputs;
      countFiltered('already-done');
      return [];
    };
  }

  private remember(key: string, outputs: Promise<StageOutput<Out>[]>): void {
    this.recent.delete(key);
    this.recent.set(key, outputs);
    if (this.recent.size > this.recentLimit) this.recent.delete(this.recent.keys().next().value as string);
  }
}

/** The stage's PaidOnce: backed by its output topic's keys on Kafka, by memory offline. */
export async function paidOnceFor<Out>(ctx: StageContext): Promise<PaidOnce<Out>> {
  if (ctx.kafka === undefined || ctx.output === undefined) return new PaidOnce<Out>(new KeySet(), { emittedIsFinal: true });
  const keys = new TopicKeySet({ kafka: ctx.kafka.kafka, topic: ctx.output, groupPrefix: `${ctx.stage}.produced`, logger: ctx.logger });
  // Loaded before the first record: a restarted or replayed stage pays for nothing it produced before.
  await keys.catchUp();
  ctx.onRebalance(() => keys.markStale());
  ctx.signal.addEventListener('abort', () => keys.close(), { once: true });
  return new PaidOnce<Out>(keys, { emittedIsFinal: false });
}
