import type { ChildNode, Element } from 'domhandler';
import type { Boilerplate } from './boilerplate';
import type { LinkCounts } from './linkDensity';

/**
 * What the block renderers (./lists.ts, ./tables.ts, quotes below) see of the walker: they render
 * one element as one block's text and hand its children back to the walker for their inline text.
 */

/** Renders an element as one body block's text, adding its link counts to `counts`. */
export type BlockRenderer = (el: Element, counts: LinkCounts, walk: SubtreeWalker) => string;

export interface SubtreeWalker {
  /** Walks nodes into a fresh sink (`inline`: as in a table cell); returns its blocks' texts joined, counts added. */
  collect(kids: readonly ChildNode[], inline: boolean, separator: string, counts: LinkCounts): string;
  /** Which elements are hidden or page chrome, dropped with their content. */
  readonly boilerplate: Boilerplate;
}

/** A blockquote's paragraphs, a blank line apart. */
export function quoteText(el: Element, counts: LinkCounts, walk: SubtreeWalker): string {
  return walk.collect(el.children, false, '\n\n', counts);
}
