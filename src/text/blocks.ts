/**
 * The structure every input format is reduced to before segmentation: a flat list of blocks in
 * reading order. Headings carry their level (1-6), so the segmenter can rebuild the hierarchy;
 * everything else is body text already rendered as plain text (list numbering, code and tables kept).
 */
export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; text: string }
  | { kind: 'paragraph' | 'list' | 'code' | 'table' | 'quote'; text: string };

export interface StructuredText {
  /** The document title (<title>), when there is one; not a heading. */
  title: string | null;
  blocks: Block[];
}
