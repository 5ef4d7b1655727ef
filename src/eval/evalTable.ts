/** `humpback eval` results as Markdown tables: one row per model for the backward model, one per model and mode for the scorer. */
import type { EvalReport } from './runEval';

// A figure with no value (NaN: nothing to compare) is null once a report went through JSON.
export const num = (x: number | null | undefined, digits = 3): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const pct = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

export function backwardTable(reports: readonly EvalReport[]): string {
  const rows = reports.flatMap((r) => {
    const b = r.backward;
    if (!b) return [];
    const dropped = Object.entries(b.dropped).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    return [`| ${r.model} | ${b.pairs} | ${pct(b.onTopic)} | ${pct(b.referenceOnTopic)} | ${num(b.rougeL)} | ${b.kept} (dropped: ${dropped}) | ${num(b.secondsPerPair, 2)} | ${Math.round(b.tokensPerPair)} |`];
  });
  if (rows.length === 0) return '';
  return ['| backward model | pairs | on-topic (BM25 top-1) | reference on-topic | ROUGE-L | instructions kept | s/pair | tokens/pair |', '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |', ...rows].join('\n');
}

export function scorerTable(reports: readonly EvalReport[]): string {
  const rows = reports.flatMap((r) =>
    r.scorers.map((s) => {
      if ('unavailable' in s) return `| ${r.model} | ${s.mode} | not available: ${s.unavailable.replace(/\|/g, '/')} | | | | | | | | | | |`;
      const l = s.labelled;
      const pairs = `${s.shuffled ? `${s.shuffled.pairs}+${s.shuffled.pairs}` : '-'} / ${l ? l.pairs : '-'}`;
      return `| ${r.model} | ${s.mode} | ${pairs} | ${num(s.shuffled?.auc)} | ${num(s.shuffled?.gap, 2)} | ${num(l?.precision)} | ${num(l?.recall)} | ${num(l?.f1)} | ${l ? `${l.predicted5}/${l.gold5}` : 'n/a'} | ${num(l?.spearman)} | ${pct(s.parseRate)} | ${num(s.secondsPerPair, 2)} | ${Math.round(s.tokensPerPair)} |`;
    }),
  );
  return [
    '| scorer model | mode | pairs (true+shuffled / labelled) | AUC (shuffled) | gap | tier-5 precision | tier-5 recall | tier-5 F1 | rated 5 / gold 5 | Spearman | parsed | s/pair | tokens/pair |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

export function evalMarkdown(reports: readonly EvalReport[]): string {
  const first = reports[0];
  const head = first ? `Machine: ${first.machine}. Pairs: ${first.pairsSource}; labelled: ${first.labelledSource ?? 'none'}.` : '';
  return [head, '', backwardTable(reports), '', scorerTable(reports), ''].join('\n');
}
