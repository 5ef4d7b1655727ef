/**
 * What the demo made, as a reader would check it: the score histogram, three examples side by side
 * (segment heading -> instruction -> score), and how many instructions are on-topic by the eval's
 * judge-free measure (the instruction, as a BM25 query over the run's segments, ranks its own first).
 */
import { Bm25 } from '../eval/bm25';
import type { ScoredCandidateRecord } from '../records/types';

export interface DemoExample {
  heading: string;
  instruction: string;
  score: number;
  expected: number | null;
}

export interface DemoQuality {
  histogram: Record<number, number>;
  examples: DemoExample[];
  onTopic: { count: number; of: number };
  modes: string[];
}

export function demoQuality(scored: readonly ScoredCandidateRecord[], headings: ReadonlyMap<string, string>, examples = 3): DemoQuality {
  const histogram: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  for (const s of scored) histogram[s.score] = (histogram[s.score] ?? 0) + 1;
  const value = (s: ScoredCandidateRecord): number => s.expected_score ?? s.score;
  // The best, the middle and the worst: what curation keeps and what it drops.
  const ranked = [...scored].sort((a, b) => value(b) - value(a) || a.scored_id.localeCompare(b.scored_id));
  const picks = ranked.length <= examples ? ranked : [ranked[0], ranked[Math.floor(ranked.length / 2)], ranked[ranked.length - 1]].slice(0, examples);
  const index = new Bm25(scored.map((s) => s.output));
  return {
    histogram,
    examples: picks.map((s) => ({ heading: headings.get(s.segment_id) ?? '(no heading)', instruction: s.instruction, score: s.score, expected: s.expected_score })),
    onTopic: { count: scored.filter((s, i) => index.ranksFirst(s.instruction, i)).length, of: scored.length },
    modes: [...new Set(scored.map((s) => s.score_mode ?? 'unknown'))],
  };
}
