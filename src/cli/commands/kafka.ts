import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { localBrokerStatus, startLocalBroker, stopLocalBroker } from '../../dev/localBroker';
import { resolveBrokers } from '../../kafka/brokers';
import { localBroker } from '../connect';
import { runKafkaTool } from '../../dev/broker/tools';
import { resolveClientConfig } from '../../kafka/security/clientConfig';
import { javaClientProperties } from '../../kafka/security/javaClientProperties';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';
import { createLogger } from '../../core/logger';
import { action } from '../fail';
import { NODES_OPTION_HELP, parseNodes, printClusterStatus, startCluster, stopCluster } from './kafkaCluster';

/**
 * `humpback kafka start|stop|status`: the local single-node broker, or with `--nodes 3` the local
 * three-node cluster (kafkaCluster.ts); progress on stderr, data on stdout.
 */
export function registerKafkaCommands(program: Command): void {
  const kafka = program.command('kafka').description('Run a local single-node Kafka broker, or a three-node cluster with --nodes 3 (KRaft, jars from Maven Central)');
  const logger = createLogger({ component: 'kafka-local' });

  kafka
    .command('start')
    .description(
      'Start the local broker (or find it running); prints KAFKA_BROKERS=<host:port> as the last stdout line. ' +
        'With --nodes 3: the local cluster, whose every node is in KAFKA_BROKERS (topics there want replicationFactor 3, minInsyncReplicas 2)',
    )
    .option('--nodes <n>', NODES_OPTION_HELP, '1')
    .action(
      action(async (opts: { nodes: string }) => {
        const nodes = parseNodes(opts.nodes);
        if (nodes > 1) return startCluster(nodes, logger);
        const b = await startLocalBroker({ logger });
        logger.info(b.alreadyRunning ? 'local Kafka broker already running' : 'local Kafka broker started', { pid: b.pid, ms: b.startMs });
        // Last stdout line, so `eval "$(humpback kafka start)"` or `| tail -1` works in scripts.
        process.stdout.write(`KAFKA_BROKERS=${b.brokers}\n`);
      }),
    );

  kafka
    .command('stop')
    .description('Stop the local broker, or with --nodes 3 every node of the cluster (SIGTERM, SIGKILL after 30 s); data and ports are kept')
    .option('--nodes <n>', NODES_OPTION_HELP, '1')
    .action(
      action(async (opts: { nodes: string }) => {
        if (parseNodes(opts.nodes) > 1) return stopCluster(logger);
        const stopped = await stopLocalBroker({ logger });
        process.stdout.write(stopped ? 'stopped\n' : 'not running\n');
      }),
    );

  kafka
    .command('status')
    .description('Show whether the local broker runs, its address, pid, data dir and log file; with --nodes 3 the cluster: each node and the active controller')
    .option('--json', 'print one JSON object')
    .option('--nodes <n>', NODES_OPTION_HELP, '1')
    .action(
      action(async (opts: { json?: boolean; nodes: string }) => {
        if (parseNodes(opts.nodes) > 1) return printClusterStatus(opts.json === true);
        const s = await localBrokerStatus();
        if (opts.json) {
          process.stdout.write(JSON.stringify(s) + '\n');
          return;
        }
        const lines = [
          `running: ${s.running ? 'yes' : 'no'}`,
          ...(s.brokers ? [`brokers: ${s.brokers}`] : []),
          ...(s.pid !== undefined ? [`pid: ${s.pid}`] : []),
          `dataDir: ${s.dataDir}`,
          `logFile: ${s.logFile}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );

  kafka
    .command('consumer-groups')
    .description(
      "Kafka's kafka-consumer-groups tool against the brokers every command uses, with their security settings as its --command-config " +
        '(e.g. --describe --group humpback.score; --reset-offsets ... --execute)',
    )
    .allowUnknownOption()
    .helpOption(false)
    .option('--topology <file>', "topology whose kafka: block is part of the client config", DEFAULT_TOPOLOGY)
    .argument('[args...]', 'arguments for kafka-consumer-groups (--bootstrap-server and --command-config are added)')
    .action(
      action(async (args: string[], opts: { topology: string }) => {
        const topology = resolveTopology(loadTopology(findTopologyFile(opts.topology)));
        const config = resolveClientConfig(topology.kafka);
        const brokers = (await resolveBrokers(logger, config, localBroker)).join(',');
        const own = args.some((a) => a === '--command-config' || a.startsWith('--command-config='));
        if (own || config.protocol === 'PLAINTEXT') {
          process.exitCode = await runKafkaTool('consumer-groups', args, brokers, logger);
          return;
        }
        // The file holds the password or key: readable by us alone, and gone once the tool has run.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'humpback-client-'));
        const file = path.join(dir, 'client.properties');
        try {
          fs.writeFileSync(file, javaClientProperties(config), { mode: 0o600 });
          process.exitCode = await runKafkaTool('consumer-groups', ['--command-config', file, ...args], brokers, logger);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
    );
}
