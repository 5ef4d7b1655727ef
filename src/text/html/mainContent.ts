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
 * - a short fragment (dates, labels, list items of a few words) adds SHORT_WEIGHT per character;
 * - headings weigh nothing, and code counts as prose (docs pages are mostly code).
 * Chrome (hidden elements, nav/aside/footer, chrome roles and class names) weighs nothing. An element
 * scores its subtree's gains minus its costs; the best-scoring element is the main text (`main`; on a
 * tie the deeper one). Its `core` is the smallest element scoring at least CORE_SHARE of the best:
 * the article body without the lead, byline, share rows and disclaimers that sit beside it in `main`
 * (the walker keeps only prose from there, ./periphery.ts).
 * Measured on the dev half of the extraction eval set (bench/extract.ts), final code: CORE_SHARE
 * 0.3 / 0.5 / 0.7 / 0.9 / 1 (no core) gave F 0.920 / 0.919 / 0.918 / 0.915 / 0.909; 0.5 keeps more of
 * a docs page's sections in the core. Readability's approach (sibling merging around the best
 * paragraph container) is what `widen` below does in one step.
 * Recursive, linear in the nodes (the tree's depth is bounded first by ./depthLimit.ts).
 */

const PROSE_CHARS = 40;
const MAX_LINK_SHARE = 0.5;
const SHORT_WEIGHT = 0.3;
/** Named chrome holding this share of the page's prose wraps the content (`widget Blog`, `date-outer`). */
const WRAPPER_SHARE = 0.5;
/** ...and at least this much prose: on a page of chrome alone, the sidebar's one line is not a wrapper. */
const MIN_WRAPPER_GAIN = 2 * PROSE_CHARS;
const CORE_SHARE = 0.5;
/** Widen the main text to a container while it holds less than this share of the container's prose. */
const WIDEN_SHARE = 0.5;

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

interface Candidate {
  el: Element;
  score: number;
  gain: number;
}

class Scorer {
  /** Elements with a positive score, in the second pass. */
  readonly candidates: Candidate[] = [];
  /** Every block's weights, to widen the main text (below). */
  readonly tallies = new Map<ParentNode, Tally>();
  /** Prose inside the named chrome left out, and the most any one named element held. */
  namedGain = 0;
  widestNamed = 0;

  /** `pageGain`: the prose of the whole page, named chrome counted in; null when not known yet (no named element is spared). */
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
    if (kind === K.SKIP || kind === K.VOID) return;
    const verdict = this.boilerplate.verdict(node, kind);
    if (verdict === CHROME) return;
    if (!isBlock(kind)) {
      if (verdict === NAMED) return; // a pop-up card inside a sentence
      const link = inLink || (kind === K.ANCHOR && node.attribs.href !== undefined);
      for (const c of node.children) this.visit(c, para, link, tally);
      return;
    }
    if (verdict === NAMED) this.named(node, kind, inLink, tally);
    else this.block(node, kind, inLink, tally);
  }

  /** Named chrome counts (and is kept by the walker) only when it holds most of the page's prose: then it is a wrapper. */
  private named(el: Element, kind: number, inLink: boolean, outer: Tally): void {
    const before = this.candidates.length;
    const tally: Tally = { gain: 0, cost: 0 };
    this.block(el, kind, inLink, tally);
    if (this.pageGain !== null && isWrapper(tally.gain, this.pageGain)) {
      this.boilerplate.spare(el);
      outer.gain += tally.gain;
      outer.cost += tally.cost;
    } else {
      this.candidates.length = before; // nothing inside dropped chrome can be the main text
      this.namedGain += tally.gain;
      this.widestNamed = Math.max(this.widestNamed, tally.gain);
    }
  }

  private block(el: Element, kind: number, inLink: boolean, outer: Tally): void {
    const own: Paragraph = { chars: 0, links: 0 };
    const tally: Tally = { gain: 0, cost: 0 };
    for (const c of el.children) this.visit(c, own, inLink, tally);
    weigh(own, kind, tally);
    const score = tally.gain - tally.cost;
    this.tallies.set(el, tally);
    if (score > 0) this.candidates.push({ el, score, gain: tally.gain });
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

/** Where the main text is: `main`, the element to walk, and `core`, the body of the text inside it. */
export interface MainContent {
  main: ParentNode;
  core: ParentNode;
}

/** A named element holding this much of the page's prose wraps the content. */
function isWrapper(gain: number, pageGain: number): boolean {
  return gain >= WRAPPER_SHARE * pageGain && gain >= MIN_WRAPPER_GAIN;
}

/**
 * The main text, or null when the page has no prose outside its chrome. The page is weighed without
 * its named chrome; when a named element turns out to hold WRAPPER_SHARE of all the prose (it wraps
 * the content), it is weighed again with that element spared. Most pages need the one pass.
 */
export function findMainContent(root: ParentNode, boilerplate: Boilerplate): MainContent | null {
  let scorer = new Scorer(boilerplate, null);
  let total = score(root, scorer);
  const pageGain = total.gain + scorer.namedGain;
  if (isWrapper(scorer.widestNamed, pageGain)) {
    scorer = new Scorer(boilerplate, pageGain);
    total = score(root, scorer);
  }
  scorer.tallies.set(root, total);
  // Candidates come in post-order (descendants first): `>` keeps the deeper of two equal scores.
  let main: Candidate | undefined;
  for (const c of scorer.candidates) if (main === undefined || c.score > main.score) main = c;
  if (main === undefined) return null;
  let core = main;
  for (const c of scorer.candidates) if (c.score >= CORE_SHARE * main.score && c.gain < core.gain) core = c;
  return { main: widen(main.el, scorer.tallies), core: core.el };
}

/**
 * Widens the main text to a container that adds only what weighs nothing (its headings: the title
 * over an article body), or that holds much more prose (links beside prose can make one paragraph
 * outscore its section, an intro over a table of contents; the links still go by density).
 */
function widen(el: ParentNode, tallies: ReadonlyMap<ParentNode, Tally>): ParentNode {
  const own = tallies.get(el)!;
  for (let up = el.parent; up !== null; up = up.parent) {
    const t = tallies.get(up);
    if (t === undefined) break;
    const neutral = t.gain === own.gain && t.cost === own.cost;
    if (!neutral && own.gain >= WIDEN_SHARE * t.gain) break;
    el = up;
  }
  return el;
}
