import type { ReadItem } from './types';

/** The bit of a stream progress needs (process.stderr, or a fake in tests). */
export interface ProgressOut {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  out: ProgressOut;
  /** Sum of input file sizes, when known (no stdin): gives a percentage and an ETA. */
  totalBytes?: number;
  now?: () => number;
  /** Redraw at most this often (default 250 ms: ~4 times a second). */
  intervalMs?: number;
  label?: string;
}

export interface IngestCounts {
  documents: number;
  skipped: Record<string, number>;
  problems: Record<string, number>;
  bytes: number;
  seconds: number;
}

const MB = 1024 * 1024;

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function byReason(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? '' : ` (${entries.map(([r, n]) => `${r}=${n}`).join(' ')})`;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Counts what readers yield and shows it: on a terminal a single line redrawn in place (`\r`) at
 * most ~4 times a second; nothing while running when stderr is a file or pipe (logs stay clean);
 * one summary line at the end in both cases.
 */
export class Progress {
  private readonly counts = { documents: 0, skipped: {} as Record<string, number>, problems: {} as Record<string, number> };
  private bytes = 0;
  private started: number;
  private lastDraw = -Infinity;
  private drawn = false;
  private readonly now: () => number;
  private readonly tty: boolean;

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.tty = o.out.isTTY === true;
  }

  /** Starts the clock again (after slow set-up that should not count against the rates). */
  restartClock(): void {
    this.started = this.now();
  }

  /** Running total of input bytes read (ReaderOptions.onBytes). */
  onBytes = (total: number): void => {
    this.bytes = total;
    this.tick();
  };

  count(item: ReadItem): void {
    if (item.kind === 'document') this.counts.documents += 1;
    else if (item.kind === 'skipped') this.counts.skipped[item.reason] = (this.counts.skipped[item.reason] ?? 0) + 1;
    else this.counts.problems[item.problem.reason] = (this.counts.problems[item.problem.reason] ?? 0) + 1;
    this.tick();
  }

  /** Writes a whole line (a problem, a log line) without leaving a half-drawn progress line behind it. */
  log(line: string): void {
    if (this.drawn) this.o.out.write('\r\x1b[K');
    this.o.out.write(line + '\n');
    this.drawn = false;
    this.lastDraw = -Infinity;
    this.tick();
  }

  snapshot(): IngestCounts {
    return { documents: this.counts.documents, skipped: { ...this.counts.skipped }, problems: { ...this.counts.problems }, bytes: this.bytes, seconds: (this.now() - this.started) / 1000 };
  }

  /** The live line: records, MB read (of the total), rate, ETA. */
  line(): string {
    const { documents, skipped, problems, bytes, seconds } = this.snapshot();
    const rate = seconds > 0 ? bytes / MB / seconds : 0;
    const total = this.o.totalBytes;
    const read = total ? `${(bytes / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB (${Math.min(100, (100 * bytes) / Math.max(total, 1)).toFixed(0)}%)` : `${(bytes / MB).toFixed(1)} MB`;
    const eta = total && rate > 0 && bytes > 0 ? `  ETA ${clock((total - bytes) / MB / rate)}` : '';
    const docRate = seconds > 0 ? ` ${(documents / seconds).toFixed(0)} docs/s` : '';
    return `${this.o.label ?? 'ingest'}: ${documents} documents, ${sum(skipped)} skipped, ${sum(problems)} problems  ${read}  ${rate.toFixed(1)} MB/s${docRate}${eta}`;
  }

  /** Documents, skipped and problems by reason, MB, seconds. */
  summary(): string {
    const { documents, skipped, problems, bytes, seconds } = this.snapshot();
    const rate = seconds > 0 ? `, ${(documents / seconds).toFixed(1)} docs/s, ${(bytes / MB / seconds).toFixed(1)} MB/s` : '';
    return (
      `${this.o.label ?? 'ingest'}: ${documents} documents, ${sum(skipped)} skipped${byReason(skipped)}, ` +
      `${sum(problems)} problems${byReason(problems)}, ${(bytes / MB).toFixed(1)} MB in ${seconds.toFixed(1)} s${rate}`
    );
  }

  /** Clears the live line and prints the summary (always, terminal or not). */
  finish(): void {
    if (this.drawn) this.o.out.write('\r\x1b[K');
    this.drawn = false;
    this.o.out.write(this.summary() + '\n');
  }

  private tick(): void {
    if (!this.tty) return;
    const t = this.now();
    if (t - this.lastDraw < (this.o.intervalMs ?? 250)) return;
    this.lastDraw = t;
    this.o.out.write('\r' + this.line() + '\x1b[K');
    this.drawn = true;
  }
}
