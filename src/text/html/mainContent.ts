import type { ChildNode, Element, ParentNode } from 'domhandler';
import { type Boilerplate, CHROME, NAMED } from './boilerplate';
import * as K from './tags';

/**
 * Finds the element that holds a page's main text: the subtree with the most prose net of the
 * boilerplate inside it. Every paragraph (the inline text of one block element, as the walker will
 * emit it) is weighed on its visible text:
 * - prose (at least PROSE_CHARS characters outside links, link density at most MAX_LINK_SHARE) adds
 *   its characters outside links, and costs its link characters;
 * - a link-dense paragraph (menus, teaser lists, tag rows) costs all its characters;
 * - a short fragment (dates, labels, list items of a few words) weighs SHORT_WEIGHT per character;
 * - headings weigh nothing, and code counts as prose (docs pages are mostly code).
 * Chrome (hidden elements, nav/aside/footer, chrome roles and class names) weighs nothing. A subtree
 * scores its gains minus LINK_COST times its costs, and the best-scoring element wins; on a tie the
 * deeper one, so neutral wrappers and their stray lines stay out. One recursive pass, linear in the
 * nodes (the tree's depth is bounded first by ./depthLimit.ts).
 */

const PROSE_CHARS = 40;
const MAX_LINK_SHARE = 0.5;
const SHORT_WEIGHT = 0.3;
const LINK_COST = 1;
const WRAPPER_SHARE = 0.5;
const CORE_SHARE = Number(process.env.CORE ?? 0.9);

interface Paragraph {
  chars: number;
  links: number;
}

interface Tally {
  gain: number;
  cost: number;
}

/** The paragraph-like element kinds: each starts a paragraph of its own. */
function isBlock(kind: number): boolean {
  return kind !== K.INLINE && kind !== K.ANCHOR && kind !== K.CODE && kind !== K.BR && kind !== 0;
}

class Scorer {
  best: ParentNode | null = null;
  private bestScore = 0;
  /** Elements with a positive score, with their score and gain (a subtree's size in prose). */
  readonly candidates: Array<{ el: Element; score: number; gain: number }> = [];
  private sectionDepth = 0;

  /** `pageGain`: the prose of the whole page counting named chrome in (the first pass), or null in that pass. */
  constructor(
    private readonly boilerplate: Boilerplate,
    private readonly pageGain: number | null,
  ) {}

  /** Adds the subtree's text to `para` (the paragraph it flows into) and its weights to `tally`. */
  visit(node: ChildNode, para: Paragraph, inLink: boolean, tally: Tally): void {
    if (node.type === 'text') {
      const n = node.data.trim().length;
      para.chars += n;
      if (inLink) para.links += n;
      return;
    }
    if (node.type !== 'tag') return;
    const kind = K.tagKind(node.name);
    if (kind === K.SKIP || kind === K.VOID || kind === K.TITLE) return;
    // A page-level <header> is the banner: named chrome, unless (broken themes) it wraps the page.
    const banner = kind === K.HEADER && this.sectionDepth === 0;
    const verdict = banner ? Math.max(NAMED, this.boilerplate.verdict(node, kind)) : this.boilerplate.verdict(node, kind);
    if (verdict === CHROME) return;
    if (!isBlock(kind)) {
      if (verdict === NAMED) return; // a pop-up card inside a sentence
      const link = inLink || (kind === K.ANCHOR && node.attribs.href !== undefined);
      for (const c of node.children) this.visit(c, para, link, tally);
      return;
    }
    if (verdict === NAMED && this.pageGain !== null) this.named(node, kind, inLink, tally);
    else this.block(node, kind, inLink, tally);
  }

  /** Named chrome counts (and is kept by the walker) only when it holds most of the page's prose: then it is a wrapper. */
  private named(el: Element, kind: number, inLink: boolean, outer: Tally): void {
    const [best, bestScore] = [this.best, this.bestScore];
    const tally: Tally = { gain: 0, cost: 0 };
    this.block(el, kind, inLink, tally);
    if (tally.gain >= WRAPPER_SHARE * this.pageGain!) {
      this.boilerplate.spare(el);
      outer.gain += tally.gain;
      outer.cost += tally.cost;
    } else {
      [this.best, this.bestScore] = [best, bestScore];
    }
  }

  private block(el: Element, kind: number, inLink: boolean, outer: Tally): void {
    const own: Paragraph = { chars: 0, links: 0 };
    const tally: Tally = { gain: 0, cost: 0 };
    if (kind === K.SECTIONING) this.sectionDepth++;
    for (const c of el.children) this.visit(c, own, inLink, tally);
    if (kind === K.SECTIONING) this.sectionDepth--;
    weigh(own, kind, tally);
    const score = tally.gain - LINK_COST * tally.cost;
    if (score > 0) this.candidates.push({ el, score, gain: tally.gain });
    if (score > 0 && this.pageGain !== null && (globalThis as unknown as { __cands?: unknown[] }).__cands) (globalThis as unknown as { __cands: unknown[] }).__cands.push({ el, score, gain: tally.gain });
    if (score > this.bestScore) {
      this.bestScore = score;
      this.best = el;
    }
    outer.gain += tally.gain;
    outer.cost += tally.cost;
  }
}

function weigh(p: Paragraph, kind: number, tally: Tally): void {
  if (p.chars === 0 || kind === K.HEADING) return;
  if (kind === K.PRE) {
    tally.gain += p.chars;
    return;
  }
  const plain = p.chars - p.links;
  if (p.links > MAX_LINK_SHARE * p.chars) tally.cost += p.chars;
  else {
    tally.gain += plain >= PROSE_CHARS ? plain : SHORT_WEIGHT * plain;
    tally.cost += p.links;
  }
}

function score(root: ParentNode, scorer: Scorer): Tally {
  const para: Paragraph = { chars: 0, links: 0 };
  const tally: Tally = { gain: 0, cost: 0 };
  for (const c of root.children) scorer.visit(c, para, false, tally);
  return tally;
}

/**
 * The element holding the main text, or null when the page has no prose outside its chrome. Two
 * passes: the first weighs the page with named chrome counted in, the second without it, except for
 * named elements that hold WRAPPER_SHARE of the first pass's prose (they wrap the content).
 */
export function findMainContent(root: ParentNode, boilerplate: Boilerplate): { main: ParentNode; core: ParentNode } | null {
  const pageGain = score(root, new Scorer(boilerplate, null)).gain;
  const scorer = new Scorer(boilerplate, pageGain);
  score(root, scorer);
  const best = scorer.best;
  if (best === null) return null;
  const top = scorer.candidates.find((c) => c.el === best)!.score;
  let pick = best;
  let pickGain = Infinity;
  for (const c of scorer.candidates) {
    if (c.score >= CORE_SHARE * top && c.gain < pickGain) {
      pick = c.el;
      pickGain = c.gain;
    }
  }
  return { main: best, core: pick };
}
