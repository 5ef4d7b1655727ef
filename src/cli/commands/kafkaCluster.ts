/**
 * The cluster side of `humpback kafka start|stop|status --nodes N` (N >= 3): a local KRaft cluster
 * under $HUMPBACK_HOME/kafka/cluster, beside (not instead of) the single broker.
 */
import { ConfigError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { activeController, CLUSTER_TOPIC_DEFAULTS, localClusterStatus, startLocalCluster, stopLocalCluster } from '../../dev/localCluster';

export const NODES_OPTION_HELP = '1: the single broker; 3 or more: the local KRaft cluster (stop and status take any count above 1 for it)';

/** The --nodes value: a whole number, 1 (the single broker, the default) or more (the cluster). */
export function parseNodes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--nodes must be a whole number (1 for the single broker, 3 or more for a cluster), not "${value}"`);
  return n;
}

export async function startCluster(nodes: number, logger: Logger): Promise<void> {
  const c = await startLocalCluster({ logger, nodes });
  logger.info(c.alreadyRunning ? 'local Kafka cluster already running' : 'local Kafka cluster started', { nodes: c.nodes.length, ms: c.startMs });
  // What a topic needs to survive one node lost; the cluster's own defaults are the same.
  logger.info(`# topics on this cluster: replicationFactor ${CLUSTER_TOPIC_DEFAULTS.replicationFactor}, minInsyncReplicas ${CLUSTER_TOPIC_DEFAULTS.minInsyncReplicas}`);
  process.stdout.write(`KAFKA_BROKERS=${c.brokers}\n`);
}

export async function stopCluster(logger: Logger): Promise<void> {
  const stopped = await stopLocalCluster({ logger });
  process.stdout.write(stopped ? 'stopped\n' : 'not running\n');
}

export async function printClusterStatus(json: boolean): Promise<void> {
  const s = await localClusterStatus();
  const controller = activeController();
  if (json) {
    process.stdout.write(JSON.stringify({ ...s, controller }) + '\n');
    return;
  }
  const lines = [
    `running: ${s.running ? 'yes' : 'no'}`,
    ...(s.brokers ? [`brokers: ${s.brokers}`] : []),
    ...(controller !== undefined ? [`controller: node ${controller}`] : []),
    ...s.nodes.map((n) => `node ${n.nodeId}: ${n.address} ${n.running ? 'running' : 'not running'}${n.pid !== undefined ? ` (pid ${n.pid})` : ''}`),
    `dataDir: ${s.dataDir}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
