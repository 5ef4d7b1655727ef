import type { DrainProgress } from './drain';

interface Out {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Shows how far each stage is through its input, e.g. `backtranslate 12/40  score 8/12 ...`:
 * on a terminal one line redrawn in place, otherwise a plain line at most every `everyMs`
 * (long batch runs in CI or under nohup still show they are moving).
 */
export function drainProgressLine(out: Out, opts: { everyMs?: number; now?: () => number } = {}): (progress: DrainProgress[]) => void {
  const now = opts.now ?? Date.now;
  const everyMs = opts.everyMs ?? (out.isTTY ? 250 : 10_000);
  let last = -Infinity;
  let lastText = '';
  return (progress) => {
    const text = progress.map((p) => `${p.stage} ${p.done}/${p.total}${p.drained ? ' done' : ''}`).join('  ');
    const finished = progress.every((p) => p.drained);
    if (text === lastText || (!finished && now() - last < everyMs)) return;
    last = now();
    lastText = text;
    out.write(out.isTTY ? `\r\x1b[K${text}${finished ? '\n' : ''}` : `${text}\n`);
  };
}
