import { earlierRuns } from '../../src/demo/earlierRuns';

describe('earlierRuns (which demo runs a new demo removes from the broker)', () => {
  const topics = [
    'demo-20261120-101500.segments',
    'demo-20261120-101500.candidates',
    'demo-20261121-090000.segments',
    'demo-20261122-080000.segments',
    'demo-20261122-083000.segments',
    'segments', // the user's own pipeline
    'mydemo-20261101-000000.segments', // not a demo namespace
    'demo-latest.segments',
  ];
  const groups = ['demo-20261120-101500.humpback.segment', 'demo-20261119-000000.humpback.score', 'humpback.segment'];

  it('keeps the most recent runs and picks every topic and group of the older ones', () => {
    const old = earlierRuns(topics, groups, 3);
    expect(old.runs.sort()).toEqual(['demo-20261119-000000', 'demo-20261120-101500']);
    expect(old.topics.sort()).toEqual(['demo-20261120-101500.candidates', 'demo-20261120-101500.segments']);
    expect(old.groups.sort()).toEqual(['demo-20261119-000000.humpback.score', 'demo-20261120-101500.humpback.segment']);
  });

  it('never picks topics or groups outside demo namespaces', () => {
    const old = earlierRuns(topics, groups, 0);
    expect(old.topics).not.toEqual(expect.arrayContaining(['segments', 'mydemo-20261101-000000.segments', 'demo-latest.segments']));
    expect(old.groups).not.toContain('humpback.segment');
    expect(old.topics).toHaveLength(5);
  });

  it('picks nothing while there are no more runs than it keeps', () => {
    expect(earlierRuns(topics.slice(0, 3), [], 3)).toEqual({ runs: [], topics: [], groups: [] });
  });
});
