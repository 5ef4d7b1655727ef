import { map, mergeMap, of, throwError, type OperatorFunction } from 'rxjs';
import { PoisonRecordError, RetriableError } from '../../src/runtime/errors';
import { processRecord } from '../../src/runtime/processRecord';
import type { StageOutput } from '../../src/stages/stage';

const fast = { initialMs: 1, maxMs: 2 };
const failing = (errors: unknown[]): OperatorFunction<number, StageOutput<number>> => {
  let calls = 0;
  return mergeMap((n: number) => {
    const err = errors[calls++];
    return err === undefined ? of({ key: String(n), value: n * 2 }) : throwError(() => err);
  });
};

describe('processRecord', () => {
  it('returns every output of a fan-out and none for a filtered record', async () => {
    const fanOut: OperatorFunction<number, StageOutput<number>> = mergeMap((n: number) =>
      of(...Array.from({ length: n }, (_, i) => ({ key: `${n}-${i}`, value: i }))),
    );
    await expect(processRecord(fanOut, 3, { retries: 0 })).resolves.toMatchObject({ ok: true, outputs: [{ value: 0 }, { value: 1 }, { value: 2 }] });
    await expect(processRecord(fanOut, 0, { retries: 0 })).resolves.toMatchObject({ ok: true, outputs: [] });
  });

  it('retries a retriable failure and succeeds within the budget', async () => {
    const retries: number[] = [];
    const outcome = await processRecord(failing([new RetriableError('503'), new RetriableError('503')]), 4, {
      retries: 2,
      backoff: fast,
      onRetry: (a) => retries.push(a),
    });
    expect(outcome).toEqual({ ok: true, outputs: [{ key: '4', value: 8 }], attempts: 3 });
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after the retries with reason stage.retries-exhausted', async () => {
    const outcome = await processRecord(failing([new RetriableError('a'), new RetriableError('b'), new RetriableError('c')]), 1, { retries: 2, backoff: fast });
    expect(outcome).toMatchObject({ ok: false, reason: 'stage.retries-exhausted', message: 'c', attempts: 3 });
  });

  it('dead-letters a poison record at once, keeping its reason and detail', async () => {
    const outcome = await processRecord(failing([new PoisonRecordError('score.unparseable', 'no Score line', { detail: 'raw text' })]), 1, { retries: 5, backoff: fast });
    expect(outcome).toEqual({ ok: false, reason: 'score.unparseable', message: 'no Score line', detail: 'raw text', attempts: 1 });
  });

  it('never retries a TypeError (a bug, not a passing failure)', async () => {
    const buggy: OperatorFunction<number, StageOutput<number>> = map(() => {
      throw new TypeError('x is undefined');
    });
    await expect(processRecord(buggy, 1, { retries: 5, backoff: fast })).resolves.toMatchObject({ ok: false, reason: 'stage.TypeError', attempts: 1 });
  });
});
