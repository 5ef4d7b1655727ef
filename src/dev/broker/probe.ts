import { Kafka, logLevel } from 'kafkajs';

/**
 * The node ids of the brokers that `brokers` lists in its metadata (KRaft lists only unfenced ones),
 * or undefined when it does not answer a real Kafka request, which a bare TCP connect cannot tell:
 * the socket opens before the broker is unfenced.
 */
export async function brokerIds(brokers: string, timeoutMs = 3000): Promise<number[] | undefined> {
  const kafka = new Kafka({
    clientId: 'humpback-probe',
    brokers: brokers.split(','),
    // Refused connections are expected while the JVM starts; they are not worth a log line.
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.map((b) => b.nodeId);
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when the broker answers a real Kafka request (its metadata lists at least one broker). */
export async function brokerAnswers(brokers: string, timeoutMs = 3000): Promise<boolean> {
  return ((await brokerIds(brokers, timeoutMs))?.length ?? 0) > 0;
}
