import type { Command } from 'commander';
import { localBrokerStatus, startLocalBroker, stopLocalBroker } from '../../kafka/localBroker';
import { resolveBrokers } from '../../kafka/brokers';
import { runKafkaTool } from '../../kafka/local/tools';
import { createLogger } from '../../runtime/logger';
import { action } from '../fail';

/** `humpback kafka start|stop|status`: the local single-node broker (progress on stderr, data on stdout). */
export function registerKafkaCommands(program: Command): void {
  const kafka = program.command('kafka').description('Run a local single-node Kafka broker (KRaft, jars from Maven Central)');
  const logger = createLogger({ component: 'kafka-local' });

  kafka
    .command('start')
    .description('Start the local broker (or find it running); prints KAFKA_BROKERS=<host:port> as the last stdout line')
    .action(
      action(async () => {
        const b = await startLocalBroker({ logger });
        logger.info(b.alreadyRunning ? 'local Kafka broker already running' : 'local Kafka broker started', { pid: b.pid, ms: b.startMs });
        // Last stdout line, so `eval "$(humpback kafka start)"` or `| tail -1` works in scripts.
        process.stdout.write(`KAFKA_BROKERS=${b.brokers}\n`);
      }),
    );

  kafka
    .command('stop')
    .description('Stop the local broker (SIGTERM, SIGKILL after 30 s); data and ports are kept')
    .action(
      action(async () => {
        const stopped = await stopLocalBroker({ logger });
        process.stdout.write(stopped ? 'stopped\n' : 'not running\n');
      }),
    );

  kafka
    .command('status')
    .description('Show whether the local broker runs, its address, pid, data dir and log file')
    .option('--json', 'print one JSON object')
    .action(
      action(async (opts: { json?: boolean }) => {
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
    .description("Kafka's kafka-consumer-groups tool against $KAFKA_BROKERS or the local broker (e.g. --describe --group humpback.score; --reset-offsets ... --execute)")
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'arguments for kafka-consumer-groups (--bootstrap-server is added)')
    .action(
      action(async (args: string[]) => {
        const brokers = await resolveBrokers(logger);
        process.exitCode = await runKafkaTool('consumer-groups', args, brokers.join(','), logger);
      }),
    );
}
