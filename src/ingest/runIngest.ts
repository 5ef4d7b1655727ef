import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { applyTopics } from '../kafka/admin';
import type { KafkaConnector } from '../kafka/connect';
import { ProducerSink } from '../kafka/producerSink';
import { createSerde } from '../kafka/serde/avroSerde';
import { megabytesToBytes } from './limits';
import { Progress } from './progress';
import { IngestPublisher, batchBudget } from './publisher';
import { expandInputs, readInputs, totalSize, type Expansion, type SourcedItem } from './readInputs';
import type { ReadItem, ReadProblem } from './types';
import { watchFolder } from './watch';
import { RECORD_TYPES } from '../records/types';
import { ConfigError } from '../core/errors';
import { createLogger, type Logger } from '../core/logger';
import { loadTopology, resolveTopology, type ResolvedTopic } from '../topology/loader';

export interface IngestOptions {
  /** The topology file declaring the topics (a path that exists: the command resolves the default). */
  topology: string;
  topic: string;
  dlq: string;
  watch?: string;
  pollSeconds: string;
  maxDocumentMb: string;
  dryRun?: boolean;
}

/** Where read items go: counted only (dry run), or to Kafka. */
interface Sink {
  /** Hands an item over; returns what it became (a document too big for the topic becomes a problem). */
  item(item: SourcedItem): Promise<ReadItem>;
  /** Resolves once everything handed over is acknowledged. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

function positiveNumber(value: string, flag: string, example: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${flag} ${value} is not a positive number. Fix: e.g. ${flag} ${example}`);
  return n;
}

/**
 * `humpback ingest` without its command line: crawl files to Document records on the documents topic
 * (or counted only, for a dry run), problems to the dead-letter topic and stderr; `--watch` keeps going.
 */
/** `connect`: how to reach Kafka (the CLI's falls back to the local broker). */
export async function runIngest(paths: string[], opts: IngestOptions, connect: KafkaConnector): Promise<void> {
  const logger = createLogger({ component: 'ingest' });
  const maxDocumentBytes = megabytesToBytes(positiveNumber(opts.maxDocumentMb, '--max-document-mb', '10'));
  const pollMs = positiveNumber(opts.pollSeconds, '--poll-seconds', '2') * 1000;
  if (paths.length === 0 && !opts.watch) throw new ConfigError('nothing to ingest. Fix: give files, folders, globs or - (stdin), or --watch DIR');
  if (opts.dryRun && opts.watch) throw new ConfigError('--dry-run and --watch do not go together (a dry run would remember files it never sent). Fix: drop one');

  const expansion = await expandInputs(paths);
  if (paths.length > 0 && expansion.inputs.length === 0) {
    const which = [...expansion.unmatched.map((p) => `${p} matched nothing`), ...expansion.unreadable.map((u) => `${u.path} cannot be read (${u.why})`)];
    throw new ConfigError(`no input to read: ${which.join('; ')}. Fix: check the paths and quote globs ('crawl/*.warc.gz')`);
  }

  const abort = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(130); // a second Ctrl-C: the user really wants out
    logger.info('stopping: finishing the current record and flushing what was read', { signal });
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const progress = new Progress({ out: process.stderr, totalBytes: totalSize(expansion) });
  const report = (p: ReadProblem): void => progress.log(`humpback ingest: problem ${p.reason}: ${p.message}`);
  const sink = opts.dryRun ? dryRunSink(report) : await kafkaSink(opts, connect, maxDocumentBytes, logger, report);
  progress.restartClock(); // rates cover reading and producing, not topic creation and connecting
  const readerOpts = { maxDocumentBytes, now: Date.now, signal: abort.signal };

  const drain = async (inputs: string[], exp?: Expansion): Promise<boolean> => {
    const base = progress.snapshot().bytes; // watch mode reads file after file: keep one running total
    for await (const item of readInputs(inputs, { ...readerOpts, expansion: exp, onBytes: (n) => progress.onBytes(base + n) })) {
      progress.count(await sink.item(item));
    }
    await sink.flush();
    return !abort.signal.aborted;
  };

  try {
    const complete = paths.length === 0 || (await drain(paths, expansion));
    if (opts.watch && complete) {
      await watchFolder({ dir: opts.watch, topic: opts.topic, intervalMs: pollMs, signal: abort.signal, logger, ingestFile: (file) => drain([file]) });
    } else if (!complete) {
      process.exitCode = 130;
      logger.warn('interrupted before every input was read; what was read is acknowledged');
    }
  } finally {
    await sink.close();
    progress.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function dryRunSink(report: (p: ReadProblem) => void): Sink {
  return {
    item: async (item) => {
      if (item.kind === 'problem') report(item.problem);
      return item;
    },
    flush: async () => undefined,
    close: async () => undefined,
  };
}

/** Record batches may carry a whole document: the topic's limit must exceed the cap. */
function wantedMessageBytes(maxDocumentBytes: number): number {
  return maxDocumentBytes + 1024 * 1024;
}

async function kafkaSink(
  opts: IngestOptions,
  connect: KafkaConnector,
  maxDocumentBytes: number,
  logger: Logger,
  report: (p: ReadProblem) => void,
): Promise<Sink> {
  const topology = resolveTopology(loadTopology(opts.topology));
  const docTopic = topology.topics.find((t) => t.name === opts.topic);
  if (!docTopic) {
    throw new ConfigError(`topic ${opts.topic} is not declared in ${opts.topology}. Fix: pick one of ${topology.topics.map((t) => t.name).join(', ')} or declare it`);
  }
  if (docTopic.schema !== undefined && docTopic.schema !== RECORD_TYPES.Document) {
    throw new ConfigError(`topic ${opts.topic} carries ${docTopic.schema}, not ${RECORD_TYPES.Document}. Fix: --topic <a topic with schema humpback.Document>`);
  }
  const dlqTopic: ResolvedTopic = topology.topics.find((t) => t.name === opts.dlq) ?? {
    name: opts.dlq,
    partitions: docTopic.partitions,
    replicationFactor: docTopic.replicationFactor,
    compacted: false,
    schema: RECORD_TYPES.DeadLetter,
    implicit: true,
  };

  const { kafka, compression } = await connect(topology, logger);
  const admin = kafka.admin();
  await admin.connect();
  let maxMessageBytes: number;
  try {
    // A documents topic created here takes the largest document the cap lets through.
    maxMessageBytes = await ensureTopics(admin, { ...docTopic, maxMessageBytes: docTopic.maxMessageBytes ?? wantedMessageBytes(maxDocumentBytes) }, dlqTopic);
  } finally {
    await admin.disconnect();
  }
  if (maxMessageBytes < wantedMessageBytes(maxDocumentBytes)) {
    logger.warn(
      `topic ${docTopic.name} takes records up to ${maxMessageBytes} bytes, less than the document cap (${maxDocumentBytes}); larger documents go to the dead-letter topic. ` +
        `Fix: set maxMessageBytes: ${wantedMessageBytes(maxDocumentBytes)} on ${docTopic.name} in the topology and run humpback topics apply, or lower --max-document-mb`,
    );
  }

  const sink = await ProducerSink.open(kafka, { logger, compression, maxBatchBytes: batchBudget(maxMessageBytes) });
  const serde = await createSerde();
  const publisher = new IngestPublisher(sink, serde, { topic: docTopic.name, dlq: dlqTopic.name, maxMessageBytes, now: Date.now });
  return {
    item: async (item) => {
      const tooBig = item.kind === 'document' ? await publisher.document(item.document) : undefined;
      const problem = tooBig ?? (item.kind === 'problem' ? item.problem : undefined);
      if (problem === undefined) return item;
      report(problem);
      await publisher.problem(problem, item.source);
      return { kind: 'problem', problem };
    },
    flush: () => publisher.flush(),
    close: async () => {
      await publisher.flush();
      await sink.close();
    },
  };
}

/**
 * Creates the documents and dead-letter topics when missing (an existing topic's configs are left
 * alone) and returns the documents topic's effective max.message.bytes.
 */
async function ensureTopics(admin: Admin, docs: ResolvedTopic, dlq: ResolvedTopic): Promise<number> {
  const applied = await applyTopics(admin, [docs, dlq]);
  for (const m of applied.mismatched) {
    process.stderr.write(`humpback ingest: topic ${m.topic} has ${m.actual} partitions, the topology declares ${m.declared} (left as is)\n`);
  }
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: docs.name, configNames: ['max.message.bytes'] }],
  });
  const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
  return Number.isFinite(value) && value > 0 ? value : 1024 * 1024;
}
