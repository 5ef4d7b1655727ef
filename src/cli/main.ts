#!/usr/bin/env node
import { Command } from 'commander';
import { registerKafkaCommands } from './commands/kafka';
import { registerTopologyCommands } from './commands/topology';
import { registerDeployCommands } from './commands/deploy';
import { registerRunCommand } from './commands/run';
import { registerReplayCommand } from './commands/replay';
import { registerStatusCommand } from './commands/status';
import { registerDlqCommands } from './commands/dlq';
import { registerTopicsReadCommand } from './commands/topicsRead';
import { registerOfflineStageCommands } from './commands/offlineStage';
import { registerDemoCommand } from './commands/demo';
import { registerIngestCommand } from './commands/ingest';
import { registerModelCommands } from './commands/model';
import { registerEvalCommand } from './commands/eval';
import { registerSegmentCommand } from './commands/segmentOffline';
import { registerSnapshotCommands } from './commands/snapshot';

/** The `humpback` command. Each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command('humpback')
    .description('Stream web crawls into curated instruction-tuning data by instruction backtranslation (Humpback).')
    .showHelpAfterError()
    .option('--kafka-config <file>', 'Kafka client properties file (security.protocol, sasl.*, ssl.*, bootstrap.servers); same as $KAFKA_CONFIG')
    .hook('preAction', (cmd) => {
      // One place every command reads it from, child processes included: the environment.
      const file = cmd.opts<{ kafkaConfig?: string }>().kafkaConfig;
      if (file !== undefined) process.env.KAFKA_CONFIG = file;
    });
  registerKafkaCommands(program);
  registerTopologyCommands(program);
  registerDeployCommands(program);
  registerIngestCommand(program);
  registerModelCommands(program);
  registerEvalCommand(program);
  registerRunCommand(program);
  registerReplayCommand(program);
  registerStatusCommand(program);
  registerDlqCommands(program);
  registerTopicsReadCommand(program);
  registerSnapshotCommands(program);
  registerSegmentCommand(program); // before the generic offline commands: segment reads crawl files
  registerOfflineStageCommands(program);
  registerDemoCommand(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .then(exitIfLingering, (err: unknown) => {
      process.stderr.write(`humpback: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}

/**
 * A finished command has committed, flushed and closed what it opened; but after a broker restart
 * kafkajs 2.2.4 can keep a socket to a broker it dropped from its pool open past disconnect(), which
 * keeps Node alive until the broker closes idle connections (10 min; found by the fault suite). An
 * unref'd timer never delays a normal exit and ends a lingering one.
 */
function exitIfLingering(): void {
  setTimeout(() => process.exit(), 2000).unref();
}
