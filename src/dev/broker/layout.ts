import path from 'node:path';
import { cacheDir, projectRoot } from '../../util/paths';

/** Kafka 3.9.x: kafkajs 2.2.4 needs request versions that Kafka 4 removed. */
export const KAFKA_VERSION = '3.9.1';

/** Where one local broker keeps its files. Everything hangs off `home` so tests can run a second broker. */
export interface BrokerLayout {
  home: string;
  jarsDir: string;
  brokerDir: string;
  dataDir: string;
  propsFile: string;
  logFile: string;
  stateFile: string;
  pidFile: string;
  lockFile: string;
  pomFile: string;
  log4jFile: string;
}

/** The jar cache; HUMPBACK_KAFKA_JARS lets several homes (e.g. a test's temp home) share one download. */
export function defaultJarsDir(home: string = cacheDir()): string {
  return process.env.HUMPBACK_KAFKA_JARS ?? path.join(home, 'kafka', KAFKA_VERSION, 'libs');
}

/** The files of one JVM in `brokerDir`; the state and lock files are its own or, for a cluster node, the cluster's. */
function layoutIn(opts: { home?: string; jarsDir?: string }, brokerDir: string, shared: { stateFile: string; lockFile: string }): BrokerLayout {
  const home = opts.home ?? cacheDir();
  const deployDir = path.join(projectRoot(), 'deploy', 'local');
  return {
    home,
    jarsDir: opts.jarsDir ?? defaultJarsDir(home),
    brokerDir,
    dataDir: path.join(brokerDir, 'data'),
    propsFile: path.join(brokerDir, 'server.properties'),
    logFile: path.join(brokerDir, 'broker.log'),
    pidFile: path.join(brokerDir, 'broker.pid'),
    pomFile: path.join(deployDir, 'pom.xml'),
    log4jFile: path.join(deployDir, 'log4j.properties'),
    ...shared,
  };
}

export function brokerLayout(opts: { home?: string; jarsDir?: string } = {}): BrokerLayout {
  const brokerDir = path.join(opts.home ?? cacheDir(), 'kafka', 'broker');
  return layoutIn(opts, brokerDir, { stateFile: path.join(brokerDir, 'state.json'), lockFile: path.join(brokerDir, 'start.lock') });
}

/** The local cluster's folder: its state file (cluster id, every node's ports), its lock, a folder per node. */
export function clusterLayout(home: string = cacheDir()): { dir: string; stateFile: string; lockFile: string } {
  const dir = path.join(home, 'kafka', 'cluster');
  return { dir, stateFile: path.join(dir, 'state.json'), lockFile: path.join(dir, 'start.lock') };
}

/** One node of the local cluster: files in <home>/kafka/cluster/node-<id>/, the cluster's state and lock. */
export function nodeLayout(opts: { home?: string; jarsDir?: string }, nodeId: number): BrokerLayout {
  const { dir, stateFile, lockFile } = clusterLayout(opts.home);
  return layoutIn(opts, path.join(dir, `node-${nodeId}`), { stateFile, lockFile });
}
