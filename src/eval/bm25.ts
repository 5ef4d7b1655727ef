/**
 * Okapi BM25 over a small set of documents (the eval's answers), for the judge-free on-topic rate:
 * a generated instruction is on-topic when, used as a query, it ranks its own answer first among all
 * the answers of the set. No model judges it, so it cannot be fooled by the model under test.
 */
import { wordsOf } from '../text/overlap';

/** Words too common to say what a text is about (English; others are rare in short queries). */
const STOP = new Set('a an and are as at be by can do does for from how i in is it its my of on or that the this to was what when where which who why will with you your'.split(' '));
const terms = (text: string): string[] => wordsOf(text).filter((w) => !STOP.has(w));

export class Bm25 {
  private readonly docs: Map<string, number>[];
  private readonly lengths: number[];
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(
    documents: readonly string[],
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    this.docs = documents.map((d) => {
      const tf = new Map<string, number>();
      for (const t of terms(d)) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      return tf;
    });
    this.lengths = this.docs.map((tf) => [...tf.values()].reduce((a, b) => a + b, 0));
    this.avgLength = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, this.lengths.length);
  }

  score(query: string, doc: number): number {
    const tf = this.docs[doc];
    const n = this.docs.length;
    let s = 0;
    for (const t of new Set(terms(query))) {
      const f = tf.get(t);
      if (!f) continue;
      const df = this.df.get(t) ?? 0;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      s += (idf * f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * this.lengths[doc]) / this.avgLength));
    }
    return s;
  }

  /** Whether `doc` scores strictly highest for the query (a tie with another document is not on-topic). */
  ranksFirst(query: string, doc: number): boolean {
    const own = this.score(query, doc);
    if (own <= 0) return false;
    for (let i = 0; i < this.docs.length; i++) if (i !== doc && this.score(query, i) >= own) return false;
    return true;
  }
}
