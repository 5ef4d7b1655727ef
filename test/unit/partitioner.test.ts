import crypto from 'node:crypto';
import type { PartitionerArgs } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { JavaCompatiblePartitioner, murmur2 } from '../../src/kafka/partitioner';

const metadata = (n: number, leaderless: number[] = []): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: leaderless.includes(partitionId) ? -1 : 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('JavaCompatiblePartitioner', () => {
  it("hashes as the Java client does: Kafka's published murmur2 values", () => {
    // Values of org.apache.kafka.common.utils.Utils.murmur2 from Kafka's UtilsTest.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });

  it('puts every key where kafkajs DefaultPartitioner puts it (random byte and unicode keys, 1-64 partitions)', () => {
    const ours = JavaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 5000; i++) {
      const bytes = crypto.randomBytes(i % 67);
      const key = i % 2 === 0 ? bytes : `ключ-${bytes.toString('base64')}-🐋`;
      const partitionMetadata = metadata(1 + (i % 64));
      const args = { topic: 't', partitionMetadata, message: { key, value: null } };
      expect(ours(args)).toBe(theirs(args));
    }
  });

  it('keeps an explicit partition, and spreads keyless records over partitions with a leader', () => {
    const partition = JavaCompatiblePartitioner();
    expect(partition({ topic: 't', partitionMetadata: metadata(4), message: { key: 'k', value: null, partition: 3 } })).toBe(3);
    const seen = new Set(Array.from({ length: 20 }, () => partition({ topic: 't', partitionMetadata: metadata(4, [1]), message: { value: null } })));
    expect([...seen].sort()).toEqual([0, 2, 3]);
  });
});
