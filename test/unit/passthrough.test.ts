import { copyOf, passthroughStage } from '../../src/stages/passthrough';
import { sampleDocument, sampleSegment } from '../helpers/sampleRecords';
import { testStageContext } from '../helpers/stageContext';

const { ctx } = testStageContext('passthrough');

describe('passthrough stage', () => {
  it('emits each record unchanged, keyed by its id', async () => {
    const project = await passthroughStage.create(passthroughStage.configSchema.parse({}), ctx);
    const a = { ...sampleSegment(), segment_id: 'seg-a' };
    expect(await project(a)).toEqual([{ key: 'seg-a', value: a }]);
  });

  it('keys other record types by their own id field', async () => {
    const config = passthroughStage.configSchema.parse({ record: 'humpback.Document' });
    expect(passthroughStage.recordTypes(config)).toEqual({ input: 'humpback.Document', output: 'humpback.Document' });
    const doc = sampleDocument({ doc_id: 'doc-42' });
    expect(await copyOf('humpback.Document')(doc)).toEqual([{ key: 'doc-42', value: doc }]);
  });

  it('with `batch`, copies records in groups (bufferCount fills a batch at once, bufferTime ends a partial one)', async () => {
    const stop = new AbortController();
    try {
      const batching = (batch: { size: number; maxWaitMs: number }) => passthroughStage.create(passthroughStage.configSchema.parse({ batch }), { ...ctx, signal: stop.signal });
      const [a, b, c] = ['seg-a', 'seg-b', 'seg-c'].map((id) => ({ ...sampleSegment(), segment_id: id }));
      // A full batch goes at once (it would otherwise wait a minute, past the test's timeout)...
      const full = await batching({ size: 2, maxWaitMs: 60_000 });
      expect(await Promise.all([full(a), full(b)])).toEqual([[{ key: 'seg-a', value: a }], [{ key: 'seg-b', value: b }]]);
      // ...and a partial one after maxWaitMs.
      const partial = await batching({ size: 10, maxWaitMs: 20 });
      expect(await partial(c)).toEqual([{ key: 'seg-c', value: c }]);
    } finally {
      stop.abort();
    }
  });
});
