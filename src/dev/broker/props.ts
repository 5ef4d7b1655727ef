import crypto from 'node:crypto';
import fs from 'node:fs';
import { LOOPBACK } from './ports';
import { secureListenerProperties, type SecureListeners, type SecurePorts } from './secureListeners';

/** What we keep across starts so the broker comes back on the same address and cluster. */
export interface BrokerState {
  port: number;
  controllerPort: number;
  clusterId: string;
  /** Ports of the SASL_SSL and SSL listeners, when the broker was started with them. */
  securePorts?: SecurePorts;
}

export function readState(file: string): BrokerState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BrokerState>;
    if (typeof s.port === 'number' && typeof s.controllerPort === 'number' && typeof s.clusterId === 'string') {
      const secure = s.securePorts;
      const securePorts = typeof secure?.saslSsl === 'number' && typeof secure.ssl === 'number' ? { saslSsl: secure.saslSsl, ssl: secure.ssl } : undefined;
      return { port: s.port, controllerPort: s.controllerPort, clusterId: s.clusterId, ...(securePorts ? { securePorts } : {}) };
    }
  } catch {
    // missing or unreadable: treated as a first start
  }
  return undefined;
}

/** Write-then-rename so a crash never leaves a truncated state file. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * A Kafka cluster id as `StorageTool random-uuid` makes it (16 random bytes, base64url), without
 * paying a JVM start; ids starting with '-' are skipped as Kafka does (they read as CLI flags).
 */
export function randomClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id an already formatted data dir carries (its meta.properties), if any. */
export function formattedClusterId(metaPropertiesFile: string): string | undefined {
  try {
    const m = /^cluster\.id=(.+)$/m.exec(fs.readFileSync(metaPropertiesFile, 'utf8'));
    return m?.[1].trim();
  } catch {
    return undefined;
  }
}

export function brokersOf(state: BrokerState): string {
  return `${LOOPBACK}:${state.port}`;
}

/**
 * The node's place in the KRaft quorum and the replication its topics get: a single broker is node 1,
 * its own only voter, with one replica of everything (it cannot have more).
 */
export interface KraftRole {
  nodeId: number;
  /** Every controller of the quorum, this node included. */
  voters: { nodeId: number; controllerPort: number }[];
  replicationFactor: number;
  minInsyncReplicas: number;
}

function singleNode(state: BrokerState): KraftRole {
  return { nodeId: 1, voters: [{ nodeId: 1, controllerPort: state.controllerPort }], replicationFactor: 1, minInsyncReplicas: 1 };
}

/**
 * KRaft with broker and controller in one JVM, loopback only, sized for a laptop and fast tests: a
 * single node by default, or `role`'s node of a local cluster; with `secure` (and its ports in the
 * state), SASL_SSL and SSL listeners too.
 */
export function serverProperties(state: BrokerState, dataDir: string, opts: { secure?: SecureListeners; role?: KraftRole } = {}): string {
  const p = state.port;
  const c = state.controllerPort;
  const { secure, role = singleNode(state) } = opts;
  const extra = secure && state.securePorts ? secureListenerProperties(state.securePorts, secure) : { listeners: [], protocols: [], lines: [] };
  const rf = role.replicationFactor;
  const minIsr = role.minInsyncReplicas;
  return [
    '# Written by humpback (src/dev/broker/props.ts) on every start; edits are overwritten.',
    'process.roles=broker,controller',
    `node.id=${role.nodeId}`,
    `controller.quorum.voters=${role.voters.map((v) => `${v.nodeId}@${LOOPBACK}:${v.controllerPort}`).join(',')}`,
    `listeners=${[`PLAINTEXT://${LOOPBACK}:${p}`, `CONTROLLER://${LOOPBACK}:${c}`, ...extra.listeners].join(',')}`,
    `advertised.listeners=${[`PLAINTEXT://${LOOPBACK}:${p}`, ...extra.listeners].join(',')}`,
    'controller.listener.names=CONTROLLER',
    `listener.security.protocol.map=${['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', ...extra.protocols].join(',')}`,
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // Internal topics get the role's replication: one broker cannot hold more than one replica.
    `offsets.topic.replication.factor=${rf}`,
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${minIsr}`,
    // Fewer internal partitions than the default 50: faster first group join and transaction.
    'offsets.topic.num.partitions=10',
    'transaction.state.log.num.partitions=10',
    // Tests join groups constantly; the 3 s default delay would add up.
    'group.initial.rebalance.delay.ms=0',
    // After a kill -9 the restarted broker waits for its old registration's session to expire
    // before it is unfenced: 9 s by default, which every fault test would pay.
    'broker.session.timeout.ms=3000',
    'broker.heartbeat.interval.ms=1000',
    ...extra.lines,
    '',
  ].join('\n');
}
