import fs from 'node:fs';
import { ConfigError } from '../../core/errors';
import { clusterLayout, nodeLayout } from './layout';
import { LOOPBACK, pickFreePort } from './ports';
import { type BrokerState, formattedClusterId, type KraftRole, randomClusterId, writeFileAtomic } from './props';
import { metaProperties } from './start';

/** Replication that survives one node of three lost: a produce with acks=all still has two in-sync replicas. */
export const CLUSTER_TOPIC_DEFAULTS = { replicationFactor: 3, minInsyncReplicas: 2 } as const;

export interface NodePorts {
  nodeId: number;
  port: number;
  controllerPort: number;
}

/** What the local cluster keeps across starts: one cluster id, and each node's ports for good. */
export interface ClusterState {
  clusterId: string;
  nodes: NodePorts[];
}

function isNodePorts(n: unknown): n is NodePorts {
  const p = n as Partial<NodePorts> | null;
  return typeof p?.nodeId === 'number' && typeof p.port === 'number' && typeof p.controllerPort === 'number';
}

export function readClusterState(file: string): ClusterState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClusterState>;
    if (typeof s.clusterId === 'string' && Array.isArray(s.nodes) && s.nodes.length > 0 && s.nodes.every(isNodePorts)) {
      return { clusterId: s.clusterId, nodes: s.nodes.map(({ nodeId, port, controllerPort }) => ({ nodeId, port, controllerPort })) };
    }
  } catch {
    // missing or unreadable: treated as a first start
  }
  return undefined;
}

/**
 * The kept state, or new ports for `nodes` nodes (then kept for good). A formatted node's data dir
 * decides the cluster id: a lost state file must not orphan the topics.
 */
export async function loadOrCreateClusterState(opts: { home?: string }, nodes: number): Promise<ClusterState> {
  const { dir, stateFile: file } = clusterLayout(opts.home);
  const kept = readClusterState(file);
  if (kept && kept.nodes.length !== nodes) {
    throw new ConfigError(
      `The local Kafka cluster in ${dir} has ${kept.nodes.length} nodes (kept in ${file}), not ${nodes}; start it with --nodes ${kept.nodes.length}, or stop it and delete ${dir} for a new one (its topics are lost)`,
    );
  }
  const formatted = Array.from({ length: nodes }, (_, i) => formattedClusterId(metaProperties(nodeLayout(opts, i + 1)))).find((id) => id !== undefined);
  if (kept) return { ...kept, clusterId: formatted ?? kept.clusterId };
  const taken: number[] = [];
  const pick = async (): Promise<number> => {
    const port = await pickFreePort(taken);
    taken.push(port);
    return port;
  };
  const state: ClusterState = { clusterId: formatted ?? randomClusterId(), nodes: [] };
  for (let nodeId = 1; nodeId <= nodes; nodeId++) state.nodes.push({ nodeId, port: await pick(), controllerPort: await pick() });
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n');
  return state;
}

export function nodeAddress(node: NodePorts): string {
  return `${LOOPBACK}:${node.port}`;
}

export function clusterBrokers(cluster: ClusterState): string {
  return cluster.nodes.map(nodeAddress).join(',');
}

/** One node's ports and the cluster id, as the single-broker start code takes them. */
export function nodeState(cluster: ClusterState, node: NodePorts): BrokerState {
  return { port: node.port, controllerPort: node.controllerPort, clusterId: cluster.clusterId };
}

/** Every node is a voter of the quorum; topics and internal topics get CLUSTER_TOPIC_DEFAULTS. */
export function nodeRole(cluster: ClusterState, node: NodePorts): KraftRole {
  return {
    nodeId: node.nodeId,
    voters: cluster.nodes.map(({ nodeId, controllerPort }) => ({ nodeId, controllerPort })),
    ...CLUSTER_TOPIC_DEFAULTS,
  };
}
