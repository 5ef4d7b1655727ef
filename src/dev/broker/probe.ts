import { Kafka, logLevel } from 'kafkajs';

/**
 * True when the broker answers a real Kafka request (describeCluster lists at least one broker),
 * which a bare TCP connect cannot tell: the socket opens before the broker is unfenced.
 */
export async function brokerAnswers(brokers: string, timeoutMs = 3000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'humpback-probe',
    brokers: [brokers],
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
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
