import type { Command } from 'commander';
import { applyTopics, type ApplyResult } from '../../kafka/admin';
import { connectCommand } from '../connect';
import { updateTopicConfigs, type TopicConfigUpdate } from '../../kafka/topicConfigs';
import { strimziTopicsYaml } from '../../deploy/strimziTopics';
import { stageTable } from '../../deploy/stageTable';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { loadTopology, resolveTopology, TopologyError, type ResolvedTopic } from '../../topology/loader';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

/** Where the output of a command goes; tests pass their own. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}
const processIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** `humpback topology lint <file>`, `humpback topology stages`, `humpback topics apply [--topology F]` and `humpback topics manifest`. */
export function registerTopologyCommands(program: Command): void {
  const topology = subcommand(program, 'topology', 'Check topology files (topics and stages as YAML)');
  topology
    .command('lint <file>')
    .description('Validate a topology file; prints every problem with its YAML path and a fix (exit 1 when any)')
    .action((file: string) => {
      process.exitCode = lintTopology(file, processIo);
    });

  topology
    .command('stages')
    .description("Print the topology's stages as a Markdown table: topics read and written, record types, what each does (the README's pipeline table)")
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .action(action(async (opts: { topology: string }) => void process.stdout.write(stageTable(resolveTopology(loadTopology(findTopologyFile(opts.topology)))))));

  const topics = subcommand(program, 'topics', 'Manage the Kafka topics a topology declares');
  topics
    .command('apply')
    .description('Create missing topics (partitions, replication, configs) and set the declared configs of existing ones; never deletes or shrinks')
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .action(
      action(async (opts: { topology: string }) => {
        const logger = createLogger({ component: 'topics' });
        const resolved = resolveTopology(loadTopology(findTopologyFile(opts.topology)));
        const admin = (await connectCommand(resolved, logger)).kafka.admin();
        await admin.connect();
        try {
          const result = await applyTopics(admin, resolved.topics);
          const updates = await updateTopicConfigs(admin, resolved.topics.filter((t) => result.existing.includes(t.name)));
          for (const line of formatApplyTable(resolved.topics, result, updates)) processIo.out(line);
          if (result.mismatched.length > 0) {
            logger.warn('partition counts differ from the topology; nothing was changed', {
              hint: 'adding partitions remaps keys; if wanted, run kafka-topics --alter --topic <t> --partitions <n> yourself',
            });
          }
        } finally {
          await admin.disconnect();
        }
      }),
    );

  topics
    .command('manifest')
    .description("Print Strimzi KafkaTopic resources (multi-document YAML) for the topology's topics, dead-letter topics included")
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--cluster <name>', 'Strimzi Kafka resource the topics belong to (label strimzi.io/cluster)', 'humpback')
    .option('--namespace <ns>', 'namespace of the KafkaTopic resources (the one the Topic Operator watches)', 'kafka')
    .option('--replicas <n>', "replicas of every topic (default: each topic's replicationFactor)")
    .action(
      action(async (opts: ManifestOptions) => {
        process.stdout.write(topicsManifest(opts));
      }),
    );
}

export interface ManifestOptions {
  topology: string;
  cluster: string;
  namespace: string;
  replicas?: string;
}

/** The text `humpback topics manifest` prints: deploy/k8s/topics.yaml is this with the defaults. */
export function topicsManifest(opts: ManifestOptions): string {
  const replicas = opts.replicas === undefined ? undefined : Number(opts.replicas);
  if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 1)) {
    throw new ConfigError(`--replicas ${opts.replicas} is not a positive integer. Fix: e.g. --replicas 3 (at most the number of brokers)`);
  }
  const resolved = resolveTopology(loadTopology(findTopologyFile(opts.topology)));
  return strimziTopicsYaml(resolved, { cluster: opts.cluster, namespace: opts.namespace, replicas });
}

/** Reuses a parent command another module may have registered already (e.g. `topics list`). */
function subcommand(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** Exit code 0 with one `ok:` line when valid, 1 with one line per problem when not. */
export function lintTopology(file: string, io: Io): number {
  try {
    const resolved = resolveTopology(loadTopology(file));
    io.out(`ok: ${resolved.topics.length} topics, ${resolved.stages.length} stages`);
    return 0;
  } catch (err) {
    if (err instanceof TopologyError) err.problems.forEach((line) => io.err(line));
    else io.err(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

export function formatApplyTable(topics: readonly ResolvedTopic[], result: ApplyResult, updates: readonly TopicConfigUpdate[] = []): string[] {
  const mismatch = new Map(result.mismatched.map((m) => [m.topic, m]));
  const updated = new Map(updates.map((u) => [u.topic, u]));
  const rows = topics.map((t) => {
    const m = mismatch.get(t.name);
    const u = updated.get(t.name);
    const status = result.created.includes(t.name) ? 'created' : m ? 'mismatched' : u ? 'updated' : 'existing';
    const advice = m && m.actual < m.declared ? "growing it is the operator's call (kafka-topics --alter --partitions)" : 'Kafka cannot remove partitions: update the topology';
    const notes = [
      ...(m ? [`declared ${m.declared} partitions, has ${m.actual}; ${advice}`] : []),
      ...(u?.changes.map((c) => `${c.name} ${c.from ?? '(unset)'} -> ${c.to}`) ?? []),
    ];
    return [t.name, String(t.partitions), status, notes.join('; ')];
  });
  const header = ['TOPIC', 'PARTITIONS', 'STATUS', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const summary = `${result.created.length} created, ${result.existing.length} existing (${updates.length} with configs updated), ${result.mismatched.length} mismatched`;
  return [line(header), ...rows.map(line), summary];
}
