/**
 * A real single-node Kafka broker (KRaft) for local runs and tests, from Maven Central jars.
 * Files live under <HUMPBACK_HOME>/kafka/broker (see broker/layout.ts); the data dir and ports are
 * kept across stop/start so topics survive, and the JVM outlives the process that started it.
 */
import fs from 'node:fs';
import { createLogger, type Logger } from '../core/logger';
import { ensureJars } from './broker/jars';
import { brokerLayout } from './broker/layout';
import { withLockFile } from './broker/lock';
import { checkJava } from './broker/preflight';
import { livePid, signalBroker, terminateBroker } from './broker/process';
import { brokerAnswers } from './broker/probe';
import { brokersOf, readState, serverProperties, writeFileAtomic } from './broker/props';
import { scramFormatArgs, secureAddresses, type SecureListeners } from './broker/secureListeners';
import { formatStorageOnce, loadOrCreateState, readyTimeoutMs, spawnBroker, waitUntilReady } from './broker/start';

export interface LocalBrokerOptions {
  logger?: Logger;
  /** Defaults to cacheDir() ($HUMPBACK_HOME or ~/.cache/humpback). */
  home?: string;
  /** Jar cache; defaults to $HUMPBACK_KAFKA_JARS or <home>/kafka/3.9.1/libs. */
  jarsDir?: string;
  /**
   * A broker not already running starts on an empty data dir (its topics from earlier runs deleted)
   * and on newly picked free ports.
   * For throwaway brokers such as the test suite's: topics piling up run after run slow every start
   * (thousands of partitions to load) until it misses the start-up timeout.
   */
  emptyOnStart?: boolean;
  /**
   * SASL_SSL and SSL (client certificates) listeners beside PLAINTEXT, for trying security settings
   * locally; SCRAM users are made when the storage is formatted, so use with emptyOnStart.
   */
  secure?: SecureListeners;
}

export interface LocalBroker {
  brokers: string;
  /** The SASL_SSL and SSL listeners' addresses, when the broker has them. */
  secure?: { saslSsl: string; ssl: string };
  pid: number;
  alreadyRunning: boolean;
  startMs: number;
}

export interface LocalBrokerStatus {
  running: boolean;
  brokers?: string;
  pid?: number;
  dataDir: string;
  logFile: string;
}

export async function startLocalBroker(opts: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const t0 = Date.now();
  const layout = brokerLayout(opts);
  const logger = opts.logger ?? createLogger({ component: 'kafka-local' });
  fs.mkdirSync(layout.brokerDir, { recursive: true });
  const onWait = (holder: number | undefined): void => logger.info('another process is starting or stopping the local Kafka broker; waiting', { holder });

  return withLockFile(layout.lockFile, async () => {
    const running = livePid(layout);
    const kept = readState(layout.stateFile);
    if (running !== undefined && kept) {
      // Alive: normally it answers at once; right after a crash of its starter it may still be booting.
      await waitUntilReady(layout, kept, { pid: running, logOffset: 0, exited: () => undefined }, readyTimeoutMs());
      return { brokers: brokersOf(kept), secure: kept.securePorts && secureAddresses(kept.securePorts), pid: running, alreadyRunning: true, startMs: Date.now() - t0 };
    }
    const java = checkJava();
    await ensureJars(layout.jarsDir, layout.pomFile, logger);
    if (opts.emptyOnStart) {
      // Ports too: a throwaway broker has no clients to keep, and a kept port may be taken by now.
      logger.info('starting a throwaway broker empty, on new ports', { dataDir: layout.dataDir });
      fs.rmSync(layout.dataDir, { recursive: true, force: true });
      fs.rmSync(layout.stateFile, { force: true });
    }
    const state = await loadOrCreateState(layout, opts.secure !== undefined);
    writeFileAtomic(layout.propsFile, serverProperties(state, layout.dataDir, { secure: opts.secure }));
    await formatStorageOnce(java, layout, state, logger, opts.secure ? scramFormatArgs(opts.secure.users) : []);
    logger.info('starting local Kafka broker', { brokers: brokersOf(state), log: layout.logFile });
    const proc = spawnBroker(java, layout);
    await waitUntilReady(layout, state, proc, readyTimeoutMs());
    const startMs = Date.now() - t0;
    logger.info('local Kafka broker ready', { brokers: brokersOf(state), pid: proc.pid, ms: startMs });
    return { brokers: brokersOf(state), secure: state.securePorts && secureAddresses(state.securePorts), pid: proc.pid, alreadyRunning: false, startMs };
  }, { onWait });
}

/** SIGTERM (Kafka shuts down cleanly), SIGKILL after 30 s. True if a broker was running. */
export async function stopLocalBroker(opts: { home?: string; logger?: Logger } = {}): Promise<boolean> {
  const layout = brokerLayout(opts);
  if (!fs.existsSync(layout.brokerDir)) return false;
  return withLockFile(layout.lockFile, async () => {
    const pid = livePid(layout);
    fs.rmSync(layout.pidFile, { force: true });
    if (pid === undefined) return false;
    opts.logger?.info('stopping local Kafka broker', { pid });
    await terminateBroker(pid, layout.propsFile, opts.logger);
    return true;
  });
}

/**
 * Sends `signal` to the broker without any clean-up, for fault tests (kill -9 then start again on the
 * same data dir and ports). Returns the pid signalled, or undefined if none was running.
 */
export async function killLocalBroker(signal: NodeJS.Signals = 'SIGKILL', opts: { home?: string } = {}): Promise<number | undefined> {
  const layout = brokerLayout(opts);
  const pid = livePid(layout);
  if (pid === undefined) return undefined;
  await signalBroker(pid, signal, layout.propsFile);
  return pid;
}

export async function localBrokerStatus(opts: { home?: string } = {}): Promise<LocalBrokerStatus> {
  const layout = brokerLayout(opts);
  const pid = livePid(layout);
  const state = readState(layout.stateFile);
  const base = { dataDir: layout.dataDir, logFile: layout.logFile };
  if (pid === undefined || !state) return { running: false, ...base };
  const brokers = brokersOf(state);
  return { running: await brokerAnswers(brokers), brokers, pid, ...base };
}
