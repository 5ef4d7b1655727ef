import type { Command } from 'commander';
import { connectCommand } from '../connect';
import { readToEnd } from '../../kafka/readToEnd';
import { createSerde } from '../../kafka/serde/avroSerde';
import type { RecordTypeName } from '../../records/types';
import { RECORD_TYPE_NAMES } from '../../topology/schema';
import { ConfigError, errorMessage } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

/**
 * `humpback topics read <topic>`: the Avro values of a topic as JSON lines (kcat shows our values as
 * bytes unless a schema registry is configured). Reads from the start to the current end; bytes
 * fields (a dead letter's original record) are shown as base64.
 */
export function registerTopicsReadCommand(program: Command): void {
  const topics = program.commands.find((c) => c.name() === 'topics') ?? program.command('topics');
  topics
    .command('read <topic>')
    .description('Print a topic\'s records as JSON lines {partition, offset, key, value}, decoded with the record type the topology declares for it')
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--type <record type>', `record type when the topology does not declare the topic (${RECORD_TYPE_NAMES.join(', ')})`)
    .option('--limit <n>', 'stop after this many records')
    .action(
      action(async (topic: string, opts: { topology: string; type?: string; limit?: string }) => {
        const logger = createLogger({ component: 'topics' });
        const resolved = resolveTopology(loadTopology(findTopologyFile(opts.topology)));
        const type = (opts.type ?? resolved.topics.find((t) => t.name === topic)?.schema) as RecordTypeName | undefined;
        if (!type || !RECORD_TYPE_NAMES.includes(type)) throw new ConfigError(`no record type for topic ${topic}. Fix: --type <one of ${RECORD_TYPE_NAMES.join(', ')}>, or declare the topic with its schema in the topology`);
        const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
        const { kafka } = await connectCommand(resolved, logger);
        const serde = await createSerde();
        const records = (await readToEnd(kafka, topic, `${resolved.name}.topics-read-${process.pid}-${Date.now()}`)).slice(0, limit);
        for (const r of records) {
          let value: unknown;
          try {
            value = r.value && (await serde.decode(type, r.value));
          } catch (err) {
            value = { undecodable: errorMessage(err) };
          }
          process.stdout.write(JSON.stringify({ partition: r.partition, offset: r.offset, key: r.key?.toString('utf8') ?? null, value }, (_k, v: unknown) => (isBytes(v) ? Buffer.from(v.data).toString('base64') : v)) + '\n');
        }
      }),
    );
}

function isBytes(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
}
