import type { Command } from 'commander';
import { connectCommand } from '../connect';
import { createSerde } from '../../kafka/serde/avroSerde';
import { replayDeadLetters } from '../../ops/dlqReplay';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

/** `humpback dlq replay <stage>`: re-feed a stage's dead letters to its input after a fix. */
export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description('Dead-letter topics (<stage>.dlq)');
  dlq
    .command('replay <stage>')
    .description("Re-feed the stage's dead letters (original key and bytes) to its input topic, each once; the stage must be running or started later to process them")
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--reason <reason>', 'only dead letters with this reason (e.g. llm.timeout); others are passed over')
    .option('--dry-run', 'count what would be re-fed; produce and commit nothing')
    .action(
      action(async (name: string, opts: { topology: string; reason?: string; dryRun?: boolean }) => {
        const logger = createLogger({ component: 'dlq' });
        const topology = resolveTopology(loadTopology(findTopologyFile(opts.topology)));
        const stage = topology.stages.find((s) => s.name === name);
        if (!stage) throw new ConfigError(`no stage "${name}" in ${opts.topology}. Fix: pick one of ${topology.stages.map((s) => s.name).join(', ')}`);
        const { kafka, compression } = await connectCommand(topology, logger);
        const r = await replayDeadLetters(kafka, await createSerde(), stage, logger, { ...opts, compression });
        const reasons = Object.entries(r.byReason).map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
        const verb = opts.dryRun ? 'would re-feed' : 're-fed';
        process.stdout.write(`${verb} ${r.refed} dead letter(s) of ${stage.name} from ${stage.dlq} to ${stage.input} (by reason: ${reasons}); passed over ${r.skipped}; progress kept in consumer group ${r.group}\n`);
      }),
    );
}
