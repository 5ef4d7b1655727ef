import { Observable, from, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';

/**
 * RxJS `mergeMap(project, concurrency)` that also keeps the order of each key: a value whose key is
 * being projected waits until that projection completes, then starts. Values of other keys overtake
 * it, so one slow key holds back nothing but itself. Waiting values start in arrival order. The
 * stage runner keys records by their Kafka key: outputs of one key come out in input order.
 */
export function mergeMapByKey<T, R>(keyOf: (value: T) => string, project: (value: T) => ObservableInput<R>, concurrency = Infinity): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const waiting: T[] = [];
      const busy = new Set<string>();
      const inners = new Set<Subscription>();
      let sourceDone = false;

      const start = (value: T, key: string): void => {
        busy.add(key);
        let finished = false;
        const inner = from(project(value)).subscribe({
          next: (r) => subscriber.next(r),
          error: (err: unknown) => subscriber.error(err),
          complete: () => {
            finished = true;
            busy.delete(key);
            inners.delete(inner);
            pump();
          },
        });
        if (!finished) inners.add(inner);
      };

      // Starts every waiting value that has a free slot and a free key, oldest first.
      const pump = (): void => {
        for (let i = 0; i < waiting.length && busy.size < concurrency; ) {
          const key = keyOf(waiting[i]);
          if (busy.has(key)) {
            i += 1;
            continue;
          }
          start(waiting.splice(i, 1)[0], key);
        }
        if (sourceDone && busy.size === 0 && waiting.length === 0) subscriber.complete();
      };

      const upstream = source.subscribe({
        next: (value) => {
          const key = keyOf(value);
          // After every pump no waiting value has both a free key and a free slot, so starting this
          // one at once overtakes only values that cannot start yet.
          if (busy.size < concurrency && !busy.has(key)) start(value, key);
          else waiting.push(value);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          pump();
        },
      });
      return () => {
        upstream.unsubscribe();
        inners.forEach((s) => s.unsubscribe());
      };
    });
}
