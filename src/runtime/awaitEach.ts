import { Observable, type OperatorFunction } from 'rxjs';

/**
 * `mergeMap` for a project that returns a Promise, with no concurrency limit: each value's promise
 * starts at once and its result is emitted when it resolves; `undefined` results are skipped. It holds
 * no inner subscription per value (RxJS's mergeMap keeps one in a list and removes it from that list
 * when it completes, a cost that grows with the values in flight: the runner has hundreds).
 * A rejected promise errors the stream.
 */
export function awaitEach<T, R>(project: (value: T) => Promise<R | undefined>): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let pending = 0;
      let sourceDone = false;
      const settled = (result: R | undefined): void => {
        pending -= 1;
        if (result !== undefined) subscriber.next(result);
        if (sourceDone && pending === 0) subscriber.complete();
      };
      const failed = (err: unknown): void => subscriber.error(err);
      return source.subscribe({
        next: (value) => {
          pending += 1;
          project(value).then(settled, failed);
        },
        error: failed,
        complete: () => {
          sourceDone = true;
          if (pending === 0) subscriber.complete();
        },
      });
    });
}
