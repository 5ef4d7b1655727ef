import { PartitionOffsets, type OffsetEntry } from '../../src/runtime/partitionOffsets';

const entry = (offset: string): OffsetEntry & { finished: boolean } => ({ offset, finished: false });

describe('PartitionOffsets', () => {
  it('commits nothing before any record is fetched', () => {
    expect(new PartitionOffsets().committable()).toBeUndefined();
  });

  it('never commits past an unfinished record, whatever order records finish in', () => {
    const p = new PartitionOffsets();
    const [a, b, c, d] = ['10', '11', '12', '13'].map(entry);
    [a, b, c, d].forEach((e) => p.add(e));
    c.finished = d.finished = true;
    expect(p.committable()).toBe('10');
    a.finished = true;
    expect(p.committable()).toBe('11');
    b.finished = true;
    expect(p.committable()).toBe('14');
    expect(p.pendingCount).toBe(0);
  });

  it('handles offset gaps (compaction) and control records at the end of a batch', () => {
    const p = new PartitionOffsets();
    const [a, b] = ['5', '9'].map(entry);
    p.add(a);
    p.add(b);
    a.finished = b.finished = true;
    p.fetchedUpTo('11'); // two transaction markers after the last message
    expect(p.committable()).toBe('12');
  });

  it('reports nothing new once an offset is committed', () => {
    const p = new PartitionOffsets();
    const first = entry('0');
    p.add(first);
    first.finished = true;
    p.markCommitted(p.committable()!);
    expect(p.committable()).toBeUndefined();
    const second = entry('1');
    p.add(second);
    expect(p.committable()).toBeUndefined(); // 1 is pending: still nothing beyond 1 to commit
    second.finished = true;
    expect(p.committable()).toBe('2');
  });

  it('forgets finished records as the prefix advances, so memory follows the work in flight', () => {
    const p = new PartitionOffsets();
    for (let i = 0; i < 5000; i++) p.add({ offset: String(i), finished: true });
    const last = entry('5000');
    p.add(last);
    expect(p.committable()).toBe('5000');
    expect(p.pendingCount).toBe(1);
  });
});
