/**
 * A local Kafka cluster of three (or more) KRaft nodes, each broker and controller in one JVM, for
 * failover tests: kill a partition leader or the active controller and watch the others take over.
 * Files live under <HUMPBACK_HOME>/kafka/cluster (see broker/layout.ts): state.json keeps the cluster
 * id and every node's ports, node-<id>/ a node's data dir, log and pid, so a node killed or stopped
 * comes back on the same ports and data. The single broker (localBroker.ts) is a separate thing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors';
import { createLogger, type Logger } from '../core/logger';
import {
  CLUSTER_TOPIC_DEFAULTS,
  type ClusterState,
  clusterBrokers,
  loadOrCreateClusterState,
  nodeAddress,
  type NodePorts,
  readClusterState,
} from './broker/clusterState';
import { clusterLayout, nodeLayout } from './broker/layout';
import { launchNodes } from './broker/launchNodes';
import { withLockFile } from './broker/lock';
import { livePid, signalBroker, terminateBroker } from './broker/process';
import { brokerAnswers } from './broker/probe';
import { quorumLeader } from './broker/quorum';

export { CLUSTER_TOPIC_DEFAULTS };

export interface LocalClusterOptions {
  /** Defaults to cacheDir() ($HUMPBACK_HOME or ~/.cache/humpback). */
  home?: string;
  /** Jar cache; defaults to $HUMPBACK_KAFKA_JARS or <home>/kafka/3.9.1/libs. */
  jarsDir?: string;
  /** How many nodes a new cluster gets (at least 3); a kept cluster must be started with its own count. */
  nodes?: number;
  logger?: Logger;
  /** As startLocalBroker's: a cluster with no node running starts on empty data dirs and new ports. */
  emptyOnStart?: boolean;
}

export interface ClusterNode {
  nodeId: number;
  /** 127.0.0.1:port, the node's client listener. */
  address: string;
  pid?: number;
  running: boolean;
}

export interface LocalCluster {
  /** Every node's client address, comma-separated (KAFKA_BROKERS). */
  brokers: string;
  nodes: ClusterNode[];
  /** True when every node was already running. */
  alreadyRunning: boolean;
  startMs: number;
}

const DEFAULT_NODES = 3;

function keptCluster(home?: string): ClusterState | undefined {
  return readClusterState(clusterLayout(home).stateFile);
}

function existingCluster(home?: string): ClusterState {
  const files = clusterLayout(home);
  const cluster = keptCluster(home);
  if (!cluster) throw new ConfigError(`No local Kafka cluster in ${files.dir} (no ${files.stateFile}); start one first: humpback kafka start --nodes 3`);
  return cluster;
}

function clusterNode(cluster: ClusterState, nodeId: number, home?: string): NodePorts {
  const node = cluster.nodes.find((n) => n.nodeId === nodeId);
  if (!node) throw new ConfigError(`The local Kafka cluster has no node ${nodeId} (nodes ${cluster.nodes.map((n) => n.nodeId).join(', ')}, kept in ${clusterLayout(home).stateFile})`);
  return node;
}

function liveNodes(opts: { home?: string }, cluster: ClusterState): { node: NodePorts; pid: number }[] {
  return cluster.nodes.flatMap((node) => {
    const pid = livePid(nodeLayout(opts, node.nodeId));
    return pid === undefined ? [] : [{ node, pid }];
  });
}

function onWaitLogger(logger: Logger): (holder: number | undefined) => void {
  return (holder) => logger.info('another process is starting or stopping the local Kafka cluster; waiting', { holder });
}

/** Data dirs gone and the state file too, so new ports are picked: a throwaway cluster's fresh start. */
function emptyCluster(home: string | undefined, logger: Logger): void {
  const files = clusterLayout(home);
  logger.info('starting a throwaway cluster empty, on new ports', { dir: files.dir });
  for (const entry of fs.existsSync(files.dir) ? fs.readdirSync(files.dir) : []) {
    if (entry.startsWith('node-')) fs.rmSync(path.join(files.dir, entry, 'data'), { recursive: true, force: true });
  }
  fs.rmSync(files.stateFile, { force: true });
}

/** Starts every node not running; resolves once each node's metadata lists all of them. */
export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const t0 = Date.now();
  const count = opts.nodes ?? DEFAULT_NODES;
  const min = CLUSTER_TOPIC_DEFAULTS.replicationFactor;
  if (!Number.isInteger(count) || count < min) {
    throw new ConfigError(`A local Kafka cluster needs at least ${min} nodes (its topics get ${min} replicas), not ${count}; for a single broker use humpback kafka start without --nodes`);
  }
  const logger = opts.logger ?? createLogger({ component: 'kafka-cluster' });
  const files = clusterLayout(opts.home);
  fs.mkdirSync(files.dir, { recursive: true });
  return withLockFile(files.lockFile, async () => {
    const before = keptCluster(opts.home);
    if (opts.emptyOnStart && (!before || liveNodes(opts, before).length === 0)) emptyCluster(opts.home, logger);
    const cluster = await loadOrCreateClusterState(opts, count);
    const running = liveNodes(opts, cluster);
    const toStart = cluster.nodes.filter((node) => !running.some((r) => r.node.nodeId === node.nodeId));
    const pids = await launchNodes(opts, cluster, { toStart, running }, cluster.nodes.map((n) => n.nodeId), logger);
    const startMs = Date.now() - t0;
    const brokers = clusterBrokers(cluster);
    if (toStart.length > 0) logger.info('local Kafka cluster ready', { brokers, ms: startMs });
    const nodes = cluster.nodes.map((node) => ({ nodeId: node.nodeId, address: nodeAddress(node), pid: pids.get(node.nodeId), running: true }));
    return { brokers, nodes, alreadyRunning: toStart.length === 0, startMs };
  }, { onWait: onWaitLogger(logger) });
}

/** Starts one node again (after signalNode SIGKILL or stopNode) on its data dir and ports; resolves once it answers. */
export async function startNode(nodeId: number, opts: LocalClusterOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger({ component: 'kafka-cluster' });
  await withLockFile(clusterLayout(opts.home).lockFile, async () => {
    const cluster = existingCluster(opts.home);
    const node = clusterNode(cluster, nodeId, opts.home);
    const running = liveNodes(opts, cluster).filter((r) => r.node.nodeId === nodeId);
    await launchNodes(opts, cluster, { toStart: running.length > 0 ? [] : [node], running }, [nodeId], logger);
  }, { onWait: onWaitLogger(logger) });
}

/** SIGTERM every node at once (Kafka shuts down cleanly), SIGKILL after 30 s. True if any was running. */
export async function stopLocalCluster(opts: { home?: string; logger?: Logger } = {}): Promise<boolean> {
  const files = clusterLayout(opts.home);
  if (!fs.existsSync(files.dir)) return false;
  return withLockFile(files.lockFile, async () => {
    const cluster = keptCluster(opts.home);
    const running = cluster ? liveNodes(opts, cluster) : [];
    if (running.length === 0) return false;
    opts.logger?.info('stopping local Kafka cluster', { pids: running.map((r) => r.pid) });
    await Promise.all(running.map(({ node, pid }) => terminateBroker(pid, nodeLayout(opts, node.nodeId).propsFile, opts.logger, `Kafka node ${node.nodeId}`)));
    return true;
  });
}

/** A clean stop of one node (SIGTERM, SIGKILL after 30 s), e.g. for a rolling restart. */
export async function stopNode(nodeId: number, opts: { home?: string; logger?: Logger } = {}): Promise<void> {
  await withLockFile(clusterLayout(opts.home).lockFile, async () => {
    const layout = nodeLayout(opts, clusterNode(existingCluster(opts.home), nodeId, opts.home).nodeId);
    const pid = livePid(layout);
    if (pid === undefined) return;
    opts.logger?.info('stopping local Kafka cluster node', { nodeId, pid });
    await terminateBroker(pid, layout.propsFile, opts.logger, `Kafka node ${nodeId}`);
  });
}

/**
 * Sends `signal` to one node without any clean-up, for fault tests; SIGKILL waits until the pid is
 * gone, SIGSTOP and SIGCONT just send. Returns the pid signalled, or undefined if the node was not running.
 */
export async function signalNode(nodeId: number, signal: NodeJS.Signals, opts: { home?: string } = {}): Promise<number | undefined> {
  const layout = nodeLayout(opts, clusterNode(existingCluster(opts.home), nodeId, opts.home).nodeId);
  const pid = livePid(layout);
  if (pid === undefined) return undefined;
  await signalBroker(pid, signal, layout.propsFile);
  return pid;
}

export async function localClusterStatus(opts: { home?: string } = {}): Promise<{ running: boolean; nodes: ClusterNode[]; brokers?: string; dataDir: string }> {
  const dataDir = clusterLayout(opts.home).dir;
  const cluster = keptCluster(opts.home);
  if (!cluster) return { running: false, nodes: [], dataDir };
  const nodes = await Promise.all(
    cluster.nodes.map(async (node): Promise<ClusterNode> => {
      const pid = livePid(nodeLayout(opts, node.nodeId));
      const address = nodeAddress(node);
      return { nodeId: node.nodeId, address, pid, running: pid !== undefined && (await brokerAnswers(address)) };
    }),
  );
  return { running: nodes.every((n) => n.running), nodes, brokers: clusterBrokers(cluster), dataDir };
}

/**
 * The node id of the active controller (the KRaft quorum's leader), from the live nodes' election
 * state files (broker/quorum.ts); undefined while none is elected. Not kafkajs' describeCluster():
 * in KRaft mode its `controller` is a broker picked at random, not the active controller.
 */
export function activeController(opts: { home?: string } = {}): number | undefined {
  const cluster = keptCluster(opts.home);
  return cluster && quorumLeader(cluster.nodes.map((node) => ({ nodeId: node.nodeId, layout: nodeLayout(opts, node.nodeId) })));
}
