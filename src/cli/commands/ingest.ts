import type { Command } from 'commander';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../ingest/limits';
import { runIngest, type IngestOptions } from '../../ingest/runIngest';
import { connectCommand } from '../connect';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

/** `humpback ingest <paths...|->`: crawl files to Document records on the documents topic. */
export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description(
      'Read crawl files (WARC, ClueWeb22 JSON, JSONL, HTML, text, Markdown; gzip too) into Document records keyed by doc_id; ' +
        'unreadable parts go to the dead-letter topic and stderr. Exit 0 when every input was read, problems included.',
    )
    .argument('[paths...]', 'files, folders (read recursively), globs, or - for stdin')
    .option('--topology <file>', 'topology declaring the documents topic', DEFAULT_TOPOLOGY)
    .option('--topic <name>', 'topic to write Document records to', 'documents')
    .option('--dlq <name>', 'dead-letter topic for problems (created when missing)', 'ingest.dlq')
    .option('--watch <dir>', 'after the paths, keep polling DIR and ingest each new crawl file once (remembered across restarts)')
    .option('--poll-seconds <n>', 'how often --watch looks at the folder', '2')
    .option('--max-document-mb <n>', 'size cap per document, checked while reading and decompressing', String(DEFAULT_MAX_DOCUMENT_BYTES / 1024 / 1024))
    .option('--dry-run', 'read and count only; no Kafka')
    .action(action(async (paths: string[], opts: IngestOptions) => runIngest(paths, { ...opts, topology: findTopologyFile(opts.topology) }, connectCommand)));
}

