import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { OperatorFunction } from 'rxjs';
import type { StageOutput } from '../stages/stage';
import { processRecord } from './processRecord';

export interface OfflineInput {
  /** Name used in messages: a file path, or `-` for stdin. */
  name: string;
  stream: Readable;
}

export interface OfflineSummary {
  read: number;
  written: number;
  failed: number;
  failedByReason: Record<string, number>;
}

export interface OfflineOptions<In, Out> {
  operator: OperatorFunction<In, StageOutput<Out>>;
  /** Checks a parsed line against the input record type; returns the problems (empty when valid). */
  validate: (value: unknown) => string[];
  retries: number;
  concurrency: number;
  out: Writable;
  /** One line per bad input, naming the file and line. */
  report: (line: string) => void;
}

/**
 * Runs a stage operator over JSON lines (one input record per line) and writes output records as
 * JSON lines: the same operator as in Kafka mode, only the source and sink differ. Bad lines are
 * reported with file and line number and skipped; the other lines are processed. Output order
 * follows input order even though up to `concurrency` records are processed at once.
 */
export async function runOffline<In, Out>(inputs: OfflineInput[], o: OfflineOptions<In, Out>): Promise<OfflineSummary> {
  const summary: OfflineSummary = { read: 0, written: 0, failed: 0, failedByReason: {} };
  const fail = (where: string, reason: string, message: string): void => {
    summary.failed += 1;
    summary.failedByReason[reason] = (summary.failedByReason[reason] ?? 0) + 1;
    o.report(`${where}: ${reason}: ${message}`);
  };
  const window: Array<Promise<void>> = [];

  for (const input of inputs) {
    const lines = readline.createInterface({ input: input.stream, crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of lines) {
      lineNo += 1;
      if (line.trim() === '') continue;
      summary.read += 1;
      const where = `${input.name}:${lineNo}`;
      const work = processLine(line, where);
      window.push(work);
      if (window.length >= o.concurrency) await window.shift();
    }
  }
  for (const w of window) await w;
  return summary;

  // Processing starts at once; writing waits for the previous line so output order is input order.
  function processLine(line: string, where: string): Promise<void> {
    const previous = window[window.length - 1] ?? Promise.resolve();
    const result = (async () => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        return { error: ['input.malformed-json', (err as Error).message] as const };
      }
      const problems = o.validate(value);
      if (problems.length > 0) return { error: ['input.invalid-record', problems.join('; ')] as const };
      const outcome = await processRecord(o.operator, value as In, { retries: o.retries });
      return outcome.ok ? { outputs: outcome.outputs } : { error: [outcome.reason, outcome.message] as const };
    })();
    return Promise.all([result, previous]).then(([r]) => {
      if ('error' in r && r.error) return fail(where, r.error[0], r.error[1]);
      for (const out of r.outputs ?? []) {
        o.out.write(JSON.stringify(out.value, jsonReplacer) + '\n');
        summary.written += 1;
      }
    });
  }
}

/** Bytes fields (dead letters) are written as base64 strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}
