import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HumpbackError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { BrokerLayout } from './layout';
import { assertPortsFree, pickFreePort } from './ports';
import { fileSize, isOurProcess, sleep, tailFile } from './process';
import { brokerIds } from './probe';
import { type BrokerState, brokersOf, formattedClusterId, randomClusterId, readState, writeFileAtomic } from './props';

/** The file a formatted data dir holds its cluster and node ids in. */
export function metaProperties(layout: BrokerLayout): string {
  return path.join(layout.dataDir, 'meta.properties');
}

function jvmBase(layout: BrokerLayout): string[] {
  // Java expands the `dir/*` class path wildcard itself; no shell involved.
  return ['-cp', path.join(layout.jarsDir, '*'), `-Dlog4j.configuration=file:${layout.log4jFile}`];
}

/**
 * Ports and cluster id from the state file, or new ones on a first start (then kept for good);
 * `secure`: the SASL_SSL and SSL listeners' ports too.
 */
export async function loadOrCreateState(layout: BrokerLayout, secure = false): Promise<BrokerState> {
  const kept = readState(layout.stateFile);
  // The data dir decides the cluster id once formatted: a lost state file must not orphan the topics.
  const formatted = formattedClusterId(metaProperties(layout));
  if (kept && (!secure || kept.securePorts)) {
    const securePorts = kept.securePorts ? [{ name: 'SASL_SSL', port: kept.securePorts.saslSsl }, { name: 'SSL', port: kept.securePorts.ssl }] : [];
    await assertPortsFree([{ name: 'client', port: kept.port }, { name: 'controller', port: kept.controllerPort }, ...securePorts], layout.stateFile);
    return { ...kept, clusterId: formatted ?? kept.clusterId };
  }
  const port = kept?.port ?? (await pickFreePort());
  const controllerPort = kept?.controllerPort ?? (await pickFreePort([port]));
  const state: BrokerState = { port, controllerPort, clusterId: formatted ?? kept?.clusterId ?? randomClusterId() };
  if (secure) {
    const saslSsl = await pickFreePort([port, controllerPort]);
    state.securePorts = { saslSsl, ssl: await pickFreePort([port, controllerPort, saslSsl]) };
  }
  writeFileAtomic(layout.stateFile, JSON.stringify(state, null, 2) + '\n');
  return state;
}

/**
 * `StorageTool format`, once: a formatted data dir (meta.properties present) keeps its topics.
 * `formatArgs`: extra arguments, e.g. the SCRAM users to create (`--add-scram`).
 */
export async function formatStorageOnce(java: string, layout: BrokerLayout, state: BrokerState, logger: Logger, formatArgs: string[] = []): Promise<void> {
  if (fs.existsSync(metaProperties(layout))) return;
  fs.mkdirSync(layout.dataDir, { recursive: true });
  logger.info('formatting Kafka storage', { dataDir: layout.dataDir, clusterId: state.clusterId });
  const args = [...jvmBase(layout), 'kafka.tools.StorageTool', 'format', '-t', state.clusterId, '-c', layout.propsFile, '--ignore-formatted', ...formatArgs];
  await new Promise<void>((resolve, reject) => {
    execFile(java, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-10).join('\n');
      reject(new HumpbackError(`Formatting Kafka storage in ${layout.dataDir} failed:\n${tail}`, { cause: err }));
    });
  });
}

/** Starts the JVM in its own session so it outlives us; its stdout and stderr append to the log file. */
export function spawnBroker(java: string, layout: BrokerLayout): { pid: number; logOffset: number; exited: () => string | undefined } {
  const heap = process.env.HUMPBACK_KAFKA_HEAP ?? '512m';
  const logOffset = fileSize(layout.logFile);
  const fd = fs.openSync(layout.logFile, 'a');
  let exit: string | undefined;
  try {
    fs.writeSync(fd, `\n=== humpback: starting Kafka broker at ${new Date().toISOString()} ===\n`);
    const child = spawn(java, [`-Xmx${heap}`, '-Djava.awt.headless=true', ...jvmBase(layout), 'kafka.Kafka', layout.propsFile], {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: layout.brokerDir,
    });
    child.on('error', (err) => (exit = `could not be run (${java}: ${err.message})`));
    child.on('exit', (code, signal) => (exit = signal ? `was killed by ${signal}` : `exited with code ${code}`));
    child.unref();
    if (child.pid === undefined) throw new HumpbackError(`Could not start the Kafka JVM (${java})`);
    writeFileAtomic(layout.pidFile, `${child.pid}\n`);
    return { pid: child.pid, logOffset, exited: () => exit };
  } finally {
    fs.closeSync(fd);
  }
}

/** How long a start waits for the broker to answer (HUMPBACK_KAFKA_START_TIMEOUT_MS). */
export function readyTimeoutMs(): number {
  const ms = Number(process.env.HUMPBACK_KAFKA_START_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 60_000;
}

/**
 * Waits until the broker answers Kafka requests and, for a cluster node, its metadata lists the
 * brokers `expectIds`. Fails early, with the tail of its log, if the JVM exits; on timeout kills
 * it, so a half-started broker is never mistaken for a running one later.
 */
export async function waitUntilReady(
  layout: BrokerLayout,
  state: BrokerState,
  proc: { pid: number; logOffset: number; exited: () => string | undefined },
  timeoutMs: number,
  expectIds: number[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const brokers = brokersOf(state);
  const ready = (ids: number[] | undefined): boolean => ids !== undefined && ids.length > 0 && expectIds.every((id) => ids.includes(id));
  for (;;) {
    const gone = proc.exited() ?? (isOurProcess(proc.pid, layout.propsFile) ? undefined : 'exited');
    if (gone) {
      throw new HumpbackError(
        `Kafka broker (pid ${proc.pid}) ${gone} during start-up; last lines of ${layout.logFile}:\n${tailFile(layout.logFile, 25, proc.logOffset)}`,
      );
    }
    if (ready(await brokerIds(brokers))) return;
    if (Date.now() > deadline) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      throw new HumpbackError(
        `Kafka broker (pid ${proc.pid}) did not answer on ${brokers}${expectIds.length > 0 ? ` with brokers ${expectIds.join(',')} in its metadata` : ''} within ${Math.round(timeoutMs / 1000)} s (killed it); last lines of ${layout.logFile}:\n${tailFile(layout.logFile, 25, proc.logOffset)}`,
      );
    }
    await sleep(250);
  }
}
