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
});
