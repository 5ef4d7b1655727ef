import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { lastValueFrom } from 'rxjs';
import type { Projection } from './projection';
import { attempt, type RetryPolicy } from '../core/retryPolicy';

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

/** A parsed line checked against the stage's input type: the record, or what is wrong with it. */
export type Checked<In> = { ok: true; value: In } | { ok: false; problems: string[] };

export interface OfflineOptions<In, Out> {
  project: Projection<In, Out>;
  check: (value: unknown) => Checked<In>;
  policy: RetryPolicy;
  concurrency: number;
  out: Writable;
  /** One line per bad input, naming the file and line. */
  report: (line: string) => void;
}

/**
 * Runs a stage's projection over JSON lines (one input record per line) and writes output records as
 * JSON lines: the same projection and retry policy as in Kafka mode, only the source and sink differ. Bad lines are
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
      const checked = o.check(value);
      if (!checked.ok) return { error: ['input.invalid-record', checked.problems.join('; ')] as const };
      const input = checked.value;
      const outcome = await lastValueFrom(attempt(async () => o.project(input), o.policy));
      return outcome.ok ? { outputs: outcome.value } : { error: [outcome.reason, outcome.message] as const };
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
