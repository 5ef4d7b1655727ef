import { Subject, asyncScheduler, bufferTime, filter, from, fromEvent, mergeMap, takeUntil, type SchedulerLike } from 'rxjs';
import type { Outputs, Projection } from './projection';

export interface BatchOptions {
  /** Inputs per batch at most (the stage's `concurrency` bounds it too: the runner feeds it no more at once). */
  size: number;
  /** How long the first input of a batch waits for company. */
  maxWaitMs: number;
  /** Batches worked on at once. */
  concurrent?: number;
  /** The stage's signal (ctx.signal): stops the batch timer when the stage stops. */
  signal: AbortSignal;
  scheduler?: SchedulerLike;
}

interface Pending<In, Out> {
  input: In;
  resolve: (outputs: Outputs<Out>) => void;
  reject: (err: unknown) => void;
}

/**
 * A stage projection that works on batches: inputs arriving within `maxWaitMs` of the first (at most
 * `size`) go to `work` together (RxJS `bufferTime`), e.g. one model call for many records. `work`
 * returns the outputs of each input, in input order ([] for an input it filters). Each input still
 * gets its own Promise, so the runner's guarantees hold per record: an input is committed once its
 * own outputs are acknowledged, a failed batch fails (and retries) each of its inputs, and the
 * runner never puts two records of one key in flight, so one batch never holds two of a key.
 */
export function batched<In, Out>(o: BatchOptions, work: (inputs: In[]) => Promise<readonly Outputs<Out>[]>): Projection<In, Out> {
  async function settle(batch: Pending<In, Out>[]): Promise<void> {
    try {
      const results = await work(batch.map((p) => p.input));
      if (results.length !== batch.length) throw new TypeError(`batched work returned ${results.length} results for ${batch.length} inputs`);
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      // A failed batch fails each of its inputs; the retry policy decides for each.
      batch.forEach((p) => p.reject(err));
    }
  }
  const arrivals = new Subject<Pending<In, Out>>();
  arrivals
    .pipe(
      bufferTime(o.maxWaitMs, null, o.size, o.scheduler ?? asyncScheduler),
      filter((batch) => batch.length > 0),
      mergeMap((batch) => from(settle(batch)), o.concurrent ?? 1),
      takeUntil(fromEvent(o.signal, 'abort')),
    )
    .subscribe();
  return (input) =>
    new Promise<Outputs<Out>>((resolve, reject) => {
      if (o.signal.aborted) reject(Object.assign(new Error('the stage stopped'), { name: 'AbortError' }));
      else arrivals.next({ input, resolve, reject });
    });
}
