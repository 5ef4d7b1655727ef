import { once } from 'node:events';
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { lastValueFrom } from 'rxjs';
import { DEFAULT_MAX_DOCUMENT_BYTES, megabytesToBytes } from '../../ingest/limits';
import { readInputs } from '../../ingest/readInputs';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logger';
import { attempt, retryPolicy } from '../../core/retryPolicy';
import { configSchema as dedupConfig, dedupStage } from '../../stages/dedup';
import { configSchema as segmentConfig, segmentStage } from '../../stages/segment';
import { stageContext } from '../../topology/builder';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

export interface SegmentOptions {
  topology: string;
  stage?: string;
  dedup: boolean;
  maxDocumentMb: string;
}

/**
 * `humpback segment <files...>`: crawl files (any format `humpback ingest` reads) through the
 * segment stage and an in-memory exact dedup, with no Kafka: Segment JSON lines on stdout, a summary
 * per drop reason on stderr. Same projections as in Kafka mode; options from the topology's segment stage.
 */
export function registerSegmentCommand(program: Command): void {
  program
    .command('segment')
    .description('Cut crawl files into filtered, deduplicated segments, no Kafka: Segment JSON lines on stdout, a per-reason summary on stderr.')
    .argument('[files...]', 'files, folders, globs (WARC, ClueWeb22 JSON, JSONL, HTML, text, Markdown; gzip too), or - for stdin')
    .option('--topology <file>', 'topology to take the segment options from', DEFAULT_TOPOLOGY)
    .option('--stage <name>', 'which segment stage of the topology (default: the first)')
    .option('--no-dedup', 'keep exact duplicates across documents')
    .option('--max-document-mb <n>', 'size cap per document', String(DEFAULT_MAX_DOCUMENT_BYTES / 1024 / 1024))
    .action(
      action(async (files: string[], opts: SegmentOptions) => {
        await runSegment(files.length === 0 ? ['-'] : files, opts, { out: process.stdout, err: process.stderr });
      }),
    );
}

/** What the summary reports. */
export class SegmentSummary {
  documents = 0;
  cut = 0;
  kept = 0;
  readonly dropped = new Map<string, number>();
  readonly skipped = new Map<string, number>();
  readonly problems = new Map<string, number>();
  readonly lengths: number[] = [];

  count(map: Map<string, number>, reason: string): void {
    map.set(reason, (map.get(reason) ?? 0) + 1);
  }

  lines(): string[] {
    const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const sorted = [...this.lengths].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    return [
      `segment: documents read ${this.documents}; skipped ${sum(this.skipped)} (${list(this.skipped)}); input problems ${sum(this.problems)} (${list(this.problems)})`,
      `segment: segments cut ${this.cut}, kept ${this.kept}, dropped ${sum(this.dropped)}`,
      `segment: dropped by reason: ${list(this.dropped)}`,
      sorted.length === 0
        ? 'segment: kept length: no segments'
        : `segment: kept length (code points): min ${sorted[0]} p50 ${q(0.5)} p90 ${q(0.9)} max ${sorted[sorted.length - 1]}`,
    ];
  }
}

/** The segmenter's work is pure: a failure is a bug to report, not to retry. */
const NO_RETRIES = retryPolicy(0);

/** Runs the command; `io.out` gets Segment JSON lines, `io.err` problems and the summary. */
export async function runSegment(files: string[], opts: SegmentOptions, io: { out: Writable; err: Writable }): Promise<SegmentSummary> {
  const { out, err } = io;
  const summary = new SegmentSummary();
  const logger = createLogger({ component: 'segment' });
  const { ctx } = stageContext('segment', { logger, countFiltered: (reason) => summary.count(summary.dropped, reason) });
  const segment = await segmentStage.create(segmentOptions(opts), ctx);
  // No ctx.kafka: the dedup stage keeps its set in memory and writes no claims.
  const dedup = opts.dedup ? await dedupStage.create(dedupConfig.parse({}), ctx) : undefined;
  const maxDocumentBytes = megabytesToBytes(Number(opts.maxDocumentMb));

  for await (const item of readInputs(files, { maxDocumentBytes, now: Date.now })) {
    if (item.kind === 'skipped') summary.count(summary.skipped, item.reason);
    if (item.kind === 'problem') {
      summary.count(summary.problems, item.problem.reason);
      err.write(`${item.problem.message}\n`);
    }
    if (item.kind !== 'document') continue;
    summary.documents += 1;
    const doc = item.document;
    const cut = await lastValueFrom(attempt(async () => segment(doc), NO_RETRIES));
    if (!cut.ok) {
      summary.count(summary.problems, cut.reason);
      err.write(`${item.source}: ${item.document.url ?? item.document.doc_id}: ${cut.reason}: ${cut.message}\n`);
      continue;
    }
    summary.cut += cut.value.length;
    for (const s of cut.value) {
      // Without Kafka the dedup set is in memory: it cannot fail.
      const kept = dedup ? await dedup(s.value) : [s];
      for (const k of kept) {
        summary.kept += 1;
        summary.lengths.push(k.value.char_count);
        if (!out.write(JSON.stringify(k.value) + '\n')) await once(out, 'drain');
      }
    }
  }
  // `cut` counted only what the segment stage emitted; the filtered candidates were cut too.
  summary.cut += [...summary.dropped].filter(([r]) => r !== 'duplicate').reduce((a, [, n]) => a + n, 0);
  for (const line of summary.lines()) err.write(line + '\n');
  return summary;
}

/** The topology's segment stage options when there is one (or the one --stage names), else the defaults. */
function segmentOptions(opts: SegmentOptions) {
  if (!Number.isFinite(Number(opts.maxDocumentMb)) || Number(opts.maxDocumentMb) <= 0) {
    throw new ConfigError(`--max-document-mb ${opts.maxDocumentMb} is not a positive number. Fix: e.g. --max-document-mb 10`);
  }
  const file = findTopologyFile(opts.topology);
  const stages = fs.existsSync(file) ? resolveTopology(loadTopology(file)).stages.filter((s) => s.type === 'segment') : [];
  const stage = opts.stage ? stages.find((s) => s.name === opts.stage) : stages[0];
  if (opts.stage && !stage) throw new ConfigError(`${file} has no segment stage named ${opts.stage}. Fix: check --stage`);
  return segmentConfig.parse(stage?.config ?? {});
}
