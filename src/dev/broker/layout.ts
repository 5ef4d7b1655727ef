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

export function brokerLayout(opts: { home?: string; jarsDir?: string } = {}): BrokerLayout {
  const home = opts.home ?? cacheDir();
  const brokerDir = path.join(home, 'kafka', 'broker');
  const deployDir = path.join(projectRoot(), 'deploy', 'local');
  return {
    home,
    jarsDir: opts.jarsDir ?? defaultJarsDir(home),
    brokerDir,
    dataDir: path.join(brokerDir, 'data'),
    propsFile: path.join(brokerDir, 'server.properties'),
    logFile: path.join(brokerDir, 'broker.log'),
    stateFile: path.join(brokerDir, 'state.json'),
    pidFile: path.join(brokerDir, 'broker.pid'),
    lockFile: path.join(brokerDir, 'start.lock'),
    pomFile: path.join(deployDir, 'pom.xml'),
    log4jFile: path.join(deployDir, 'log4j.properties'),
  };
}
