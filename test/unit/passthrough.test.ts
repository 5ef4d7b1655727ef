import { lastValueFrom, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { passthroughStage } from '../../src/stages/passthrough';
import { sampleDocument, sampleSegment } from '../helpers/sampleRecords';
import { testStageContext } from '../helpers/stageContext';

const { ctx } = testStageContext('passthrough');

describe('passthrough stage', () => {
  it('emits each record unchanged, keyed by its id, at the same time it arrived', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const a = { ...sampleSegment(), segment_id: 'seg-a' };
    const b = { ...sampleSegment(), segment_id: 'seg-b' };
    scheduler.run(({ cold, expectObservable }) => {
      const op = passthroughStage.create(passthroughStage.configSchema.parse({}), ctx);
      if (op instanceof Promise) throw new Error('passthrough factory is synchronous');
      expectObservable(cold('-a--b|', { a, b }).pipe(op)).toBe('-x--y|', { x: { key: 'seg-a', value: a }, y: { key: 'seg-b', value: b } });
    });
  });

  it('keys other record types by their own id field', async () => {
    const config = passthroughStage.configSchema.parse({ record: 'humpback.Document' });
    expect(passthroughStage.recordTypes(config)).toEqual({ input: 'humpback.Document', output: 'humpback.Document' });
    const op = await passthroughStage.create(config, ctx);
    const doc = sampleDocument({ doc_id: 'doc-42' });
    await expect(lastValueFrom(of(doc).pipe(op))).resolves.toEqual({ key: 'doc-42', value: doc });
  });
});
