import { map, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mergeMapByKey } from '../../src/runtime/mergeMapByKey';

/** A value of the marbles: its key and how many frames its projection takes. */
interface Job {
  name: string;
  key: string;
  frames: number;
}

const job = (name: string, key: string, frames: number): Job => ({ name, key, frames });
const byKey = mergeMapByKey<Job, string>;
const work = (j: Job) => timer(j.frames).pipe(map(() => j.name));

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('mergeMapByKey', () => {
  it('runs one value per key at a time, in arrival order; other keys overtake a waiting value', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a (k1, slow) holds b (k1) back until it completes; c (k2) starts at once and finishes first.
      const values = { a: job('a', 'k1', 5), b: job('b', 'k1', 1), c: job('c', 'k2', 1) };
      expectObservable(cold('abc|', values).pipe(byKey((j) => j.key, work))).toBe('---c-a(b|)', { a: 'a', b: 'b', c: 'c' });
    });
  });

  it('with concurrency 1 it is concatMap: waiting values start oldest first once their key is free', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: job('a', 'k1', 2), b: job('b', 'k1', 1), c: job('c', 'k2', 1) };
      expectObservable(cold('abc|', values).pipe(byKey((j) => j.key, work, 1))).toBe('--ab(c|)', { a: 'a', b: 'b', c: 'c' });
    });
  });

  it('holds at most `concurrency` projections at once, across keys', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // c waits for a slot (a's, at frame 3), not for its key.
      const values = { a: job('a', 'k1', 3), b: job('b', 'k2', 3), c: job('c', 'k3', 3) };
      expectObservable(cold('abc|', values).pipe(byKey((j) => j.key, work, 2))).toBe('---ab-(c|)', { a: 'a', b: 'b', c: 'c' });
    });
  });

  it('keeps the order of each key whatever the durations, and completes after the last projection', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: job('a', 'k', 3), b: job('b', 'k', 1), c: job('c', 'k', 2) };
      expectObservable(cold('abc|', values).pipe(byKey((j) => j.key, work))).toBe('---ab-(c|)', { a: 'a', b: 'b', c: 'c' });
    });
  });

  it('an error of a projection errors the stream and cancels the others', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('-----x|');
      const failing = cold('--#');
      const source = cold('ab|', { a: 'a', b: 'b' });
      const project = (v: string) => (v === 'a' ? slow : failing);
      expectObservable(source.pipe(mergeMapByKey((v) => v, project))).toBe('---#');
      expectSubscriptions(slow.subscriptions).toBe('^--!');
    });
  });
});
