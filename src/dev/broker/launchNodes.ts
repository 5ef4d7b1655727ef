import fs from 'node:fs';
import type { Logger } from '../../core/logger';
import { type ClusterState, nodeAddress, type NodePorts, nodeRole, nodeState } from './clusterState';
import { ensureJars } from './jars';
import { nodeLayout } from './layout';
import { assertPortsFree } from './ports';
import { checkJava } from './preflight';
import { serverProperties, writeFileAtomic } from './props';
import { formatStorageOnce, readyTimeoutMs, spawnBroker, waitUntilReady } from './start';

/** Ports checked, server.properties written, storage formatted (first start only): ready to spawn. */
async function prepareNode(java: string, opts: { home?: string; jarsDir?: string }, cluster: ClusterState, node: NodePorts, logger: Logger): Promise<void> {
  const layout = nodeLayout(opts, node.nodeId);
  const state = nodeState(cluster, node);
  fs.mkdirSync(layout.brokerDir, { recursive: true });
  const name = `node ${node.nodeId}`;
  await assertPortsFree([{ name: `${name} client`, port: node.port }, { name: `${name} controller`, port: node.controllerPort }], layout.stateFile);
  writeFileAtomic(layout.propsFile, serverProperties(state, layout.dataDir, { role: nodeRole(cluster, node) }));
  await formatStorageOnce(java, layout, state, logger);
}

/**
 * Starts the nodes `toStart` and waits until they and the `running` ones answer with `expectIds` in
 * their metadata. The nodes must start together: one alone has no quorum, so never answers. If any
 * fails, the JVMs started here are killed, so a half-started node is never taken for a running one.
 */
export async function launchNodes(
  opts: { home?: string; jarsDir?: string },
  cluster: ClusterState,
  nodes: { toStart: NodePorts[]; running: { node: NodePorts; pid: number }[] },
  expectIds: number[],
  logger: Logger,
): Promise<Map<number, number>> {
  const procs = nodes.running.map(({ node, pid }) => ({ node, proc: { pid, logOffset: 0, exited: (): string | undefined => undefined } }));
  const started: number[] = [];
  if (nodes.toStart.length > 0) {
    const java = checkJava();
    const first = nodeLayout(opts, nodes.toStart[0].nodeId);
    await ensureJars(first.jarsDir, first.pomFile, logger);
    await Promise.all(nodes.toStart.map((node) => prepareNode(java, opts, cluster, node, logger)));
    for (const node of nodes.toStart) {
      const layout = nodeLayout(opts, node.nodeId);
      logger.info('starting local Kafka cluster node', { nodeId: node.nodeId, address: nodeAddress(node), log: layout.logFile });
      const proc = spawnBroker(java, layout);
      started.push(proc.pid);
      procs.push({ node, proc });
    }
  }
  try {
    await Promise.all(procs.map(({ node, proc }) => waitUntilReady(nodeLayout(opts, node.nodeId), nodeState(cluster, node), proc, readyTimeoutMs(), expectIds)));
  } catch (err) {
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    throw err;
  }
  return new Map(procs.map(({ node, proc }) => [node.nodeId, proc.pid]));
}
