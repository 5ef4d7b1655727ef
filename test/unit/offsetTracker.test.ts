import { OffsetTracker } from '../../src/runtime/offsetTracker';

describe('OffsetTracker', () => {
  it('commits nothing before any record is seen', () => {
    expect(new OffsetTracker().committable()).toBeUndefined();
  });

  it('never commits past an unfinished record, whatever order records finish in', () => {
    const t = new OffsetTracker();
    ['10', '11', '12', '13'].forEach((o) => t.add(o));
    t.done('12');
    t.done('13');
    expect(t.committable()).toBe('10');
    t.done('10');
    expect(t.committable()).toBe('11');
    t.done('11');
    expect(t.committable()).toBe('14');
  });

  it('handles offset gaps (compaction) and control records at the end of a batch', () => {
    const t = new OffsetTracker();
    t.add('5');
    t.add('9');
    t.done('5');
    t.done('9');
    t.seenUpTo('11'); // two transaction markers after the last message
    expect(t.committable()).toBe('12');
  });

  it('reports nothing new once an offset is committed', () => {
    const t = new OffsetTracker();
    t.add('0');
    t.done('0');
    t.markCommitted(t.committable()!);
    expect(t.committable()).toBeUndefined();
    t.add('1');
    expect(t.committable()).toBeUndefined(); // 1 is pending: still nothing beyond 1 to commit
    t.done('1');
    expect(t.committable()).toBe('2');
  });
});
