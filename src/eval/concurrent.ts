import { from, lastValueFrom, mergeMap, tap, toArray } from 'rxjs';

/**
 * Runs `work` over items, `concurrency` at a time (so the model's batches and a server's slots
 * fill), and returns the results in input order; `onDone` is called as each finishes (progress).
 */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  let done = 0;
  const results = await lastValueFrom(
    from(items.map((item, index) => ({ item, index }))).pipe(
      mergeMap(async ({ item, index }) => ({ index, result: await work(item, index) }), Math.max(1, concurrency)),
      tap(() => onDone?.(++done)),
      toArray(),
    ),
    { defaultValue: [] },
  );
  return results.sort((a, b) => a.index - b.index).map((r) => r.result);
}
