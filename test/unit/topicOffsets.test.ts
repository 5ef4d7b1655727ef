/**
 * Issue 24: end offsets read during a leader election. kafkajs 2.2.4's fetchTopicOffsets leaves
 * leaderless partitions out of its answer, or throws a TypeError when none has a leader; the
 * engine's reads wait the election out (BROKER_CALL_POLICY) instead of ending the command or taking a
 * partial answer for the whole topic.
 */
import type { Admin } from 'kafkajs';
import { partitionEnds, topicOffsets } from '../../src/kafka/offsets';
import { InfrastructureError } from '../../src/core/errors';

type Answer = Array<{ partition: number; offset: string; high: string; low: string }> | Error;

/** An admin double: a topic of three partitions whose offset answers are scripted call by call. */
function electingAdmin(answers: Answer[]) {
  let calls = 0;
  const full: Answer = [0, 1, 2].map((partition) => ({ partition, offset: String(10 + partition), high: String(10 + partition), low: '0' }));
  const admin = {
    listTopics: async () => ['t'],
    fetchTopicMetadata: async () => ({ topics: [{ name: 't', partitions: [0, 1, 2].map((partitionId) => ({ partitionId })) }] }),
    fetchTopicOffsets: async () => {
      const answer = answers[calls++] ?? full;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { admin: admin as unknown as Admin, calls: () => calls };
}

const electionTypeError = (): Error => new TypeError("Cannot destructure property 'partitions' of 'high.pop(...)' as it is undefined.");

describe('end offsets during a leader election', () => {
  it('a partial answer (a leaderless partition left out) is an InfrastructureError, never taken as the whole topic', async () => {
    const { admin } = electingAdmin([[{ partition: 0, offset: '10', high: '10', low: '0' }]]);
    await expect(topicOffsets(admin, 't')).rejects.toThrow(InfrastructureError);
    await expect(topicOffsets(admin, 't')).resolves.toHaveLength(3);
  });

  it("kafkajs' TypeError on an answer with no leader at all is an InfrastructureError naming the election", async () => {
    const { admin } = electingAdmin([electionTypeError()]);
    await expect(topicOffsets(admin, 't')).rejects.toThrow(/offsets of topic t are not available: a partition leader is being elected/);
  });

  it('partitionEnds waits both out and returns every partition', async () => {
    const { admin, calls } = electingAdmin([electionTypeError(), [{ partition: 2, offset: '12', high: '12', low: '0' }]]);
    const ends = await partitionEnds(admin, ['t']);
    expect(calls()).toBe(3);
    expect([...ends]).toEqual([
      ['t:0', { low: 0, high: 10 }],
      ['t:1', { low: 0, high: 11 }],
      ['t:2', { low: 0, high: 12 }],
    ]);
  });

  it('any other error is not retyped (a bug stays a bug)', async () => {
    const { admin } = electingAdmin([new RangeError('not an election')]);
    await expect(topicOffsets(admin, 't')).rejects.toThrow(RangeError);
  });
});
