/**
 * The eval figures the project measured for each catalogue model (`humpback eval` output, kept in
 * bench/results/eval.json), so the demo can say how good the model it used is without spending
 * minutes measuring it again. A user's own run (`humpback eval --json`) can be pointed at instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../util/paths';
import { num } from './evalTable';
import type { EvalReport } from './runEval';
import type { ScorerReport } from './scorerEval';

export const RECORDED_EVAL = path.join('bench', 'results', 'eval.json');

export interface RecordedFigures {
  date: string;
  backward: EvalReport['backward'];
  scorer?: ScorerReport;
}

/** The recorded figures of a model (its id as stages record it) and mode, if measured. */
export function recordedFigures(model: string, mode: string, file = path.join(projectRoot(), RECORDED_EVAL)): RecordedFigures | undefined {
  if (!fs.existsSync(file)) return undefined;
  // Several runs may cover one model (fast modes on every pair, slow ones on a subset): take what each has.
  const reports = (JSON.parse(fs.readFileSync(file, 'utf8')) as EvalReport[]).filter((r) => r.model === model);
  if (reports.length === 0) return undefined;
  const scorer = reports.flatMap((r) => r.scorers).find((s): s is ScorerReport => s.mode === mode && !('unavailable' in s));
  const withBackward = reports.find((r) => r.backward !== null) ?? reports[0];
  return { date: withBackward.date, backward: withBackward.backward, scorer };
}

/** One line for a summary: the figures that say whether the data is any good. */
export function figuresLine(f: RecordedFigures): string {
  const parts: string[] = [];
  if (f.backward) parts.push(`instructions on-topic ${num(100 * f.backward.onTopic, 0)}% (ROUGE-L ${num(f.backward.rougeL, 2)})`);
  const s = f.scorer;
  if (s?.shuffled) parts.push(`scorer AUC ${num(s.shuffled.auc, 2)} on shuffled pairs`);
  if (s?.labelled) parts.push(`tier-5 precision ${num(s.labelled.precision, 2)} / recall ${num(s.labelled.recall, 2)}, Spearman ${num(s.labelled.spearman, 2)} on ${s.labelled.pairs} labelled pairs`);
  return `${parts.join('; ')} (humpback eval, ${f.date.slice(0, 10)})`;
}
