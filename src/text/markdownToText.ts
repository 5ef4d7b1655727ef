import type { Block, StructuredText } from './blocks';

/**
 * Markdown -> StructuredText with a light line-based reader (CommonMark's block rules, no library).
 *
 * - ATX headings `#`..`######` (a space after the hashes, up to 3 spaces indent, closing hashes
 *   removed); `#hashtag` is not a heading. Setext headings: a paragraph underlined by `===` (level 1) or
 *   `---` (level 2). A `---` line that does not follow a paragraph is a thematic break.
 * - Fenced code (``` or ~~~, at least 3, closed by the same character at least as long; an unclosed
 *   fence runs to the end) and indented code (4 spaces, not inside a paragraph or list) become `code`
 *   blocks kept verbatim; nothing inside code is a heading.
 * - List items (`-`, `+`, `*`, `1.`, `1)`) and their continuation lines are kept as one `list` block
 *   of text with their markers; a blank line followed by an indented line or another item continues it.
 *   Inside a paragraph, only a bullet or an ordered item numbered 1 starts a list (as in CommonMark).
 * - `>` lines become one `quote` block (their content read recursively, joined by blank lines).
 * - Paragraphs are split on blank lines; their lines are joined with a space, except after a hard
 *   break (two trailing spaces or a backslash), which stays a newline. Inline markup is left as is.
 * - YAML front matter (`---` ... `---` at the top) is skipped; its `title:` is the document title,
 *   else the first level-1 heading's text is, else null.
 */

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BLANK = /^[ \t]*$/;

function indentOf(line: string): number {
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) col++;
    else if (c === 9) col += 4 - (col % 4);
    else break;
  }
  return col;
}

/** Removes up to n columns of leading indentation (tabs count to the next multiple of 4). */
function dedent(line: string, n: number): string {
  let col = 0;
  let i = 0;
  while (i < line.length && col < n) {
    const c = line.charCodeAt(i);
    if (c === 32) col++;
    else if (c === 9) col += 4 - (col % 4);
    else break;
    i++;
  }
  return (col > n ? ' '.repeat(col - n) : '') + line.slice(i);
}

function paragraphText(lines: string[]): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const hard = (raw.endsWith('  ') || raw.endsWith('\\')) && i < lines.length - 1;
    let t = raw.trim();
    if (hard && t.endsWith('\\')) t = t.slice(0, -1).trimEnd();
    out += t;
    if (i < lines.length - 1) out += hard ? '\n' : ' ';
  }
  return out.trim();
}

function frontMatter(lines: string[]): { title: string | null; end: number } {
  if (lines.length === 0 || !/^---[ \t]*$/.test(lines[0])) return { title: null, end: 0 };
  for (let i = 1; i < Math.min(lines.length, 200); i++) {
    if (/^(?:---|\.\.\.)[ \t]*$/.test(lines[i])) {
      let title: string | null = null;
      for (let j = 1; j < i; j++) {
        const m = /^title:[ \t]*(.*)$/.exec(lines[j]);
        if (m) {
          title = m[1].trim().replace(/^(["'])(.*)\1$/, '$2').trim() || null;
          break;
        }
      }
      return { title, end: i + 1 };
    }
  }
  return { title: null, end: 0 };
}

function readBlocks(lines: string[], start: number): Block[] {
  const blocks: Block[] = [];
  let para: string[] | null = null;
  let list: string[] | null = null;
  let listBlank = false;
  let quote: string[] | null = null;
  let code: string[] | null = null; // indented code
  let fence: { char: string; len: number; indent: number; lines: string[] } | null = null;

  const flushPara = (): void => {
    if (para !== null) {
      const text = paragraphText(para);
      if (text.length > 0) blocks.push({ kind: 'paragraph', text });
      para = null;
    }
  };
  const flushList = (): void => {
    if (list !== null) {
      while (list.length > 0 && BLANK.test(list[list.length - 1])) list.pop();
      const min = Math.min(...list.filter((l) => !BLANK.test(l)).map(indentOf));
      const text = list.map((l) => (BLANK.test(l) ? '' : dedent(l, min).trimEnd())).join('\n');
      if (text.length > 0) blocks.push({ kind: 'list', text });
      list = null;
      listBlank = false;
    }
  };
  const flushQuote = (): void => {
    if (quote !== null) {
      const text = readBlocks(quote, 0)
        .map((b) => b.text)
        .filter((t) => t.length > 0)
        .join('\n\n');
      if (text.length > 0) blocks.push({ kind: 'quote', text });
      quote = null;
    }
  };
  const flushCode = (): void => {
    if (code !== null) {
      while (code.length > 0 && BLANK.test(code[code.length - 1])) code.pop();
      if (code.length > 0) blocks.push({ kind: 'code', text: code.join('\n') });
      code = null;
    }
  };
  const flushAll = (): void => {
    flushPara();
    flushList();
    flushQuote();
    flushCode();
  };

  for (let i = start; i < lines.length; i++) {
    const line = lines[i];

    if (fence !== null) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1][0] === fence.char && close[1].length >= fence.len) {
        blocks.push({ kind: 'code', text: fence.lines.join('\n') });
        fence = null;
      } else {
        fence.lines.push(dedent(line, fence.indent));
      }
      continue;
    }

    if (code !== null) {
      if (BLANK.test(line) || indentOf(line) >= 4) {
        code.push(BLANK.test(line) ? '' : dedent(line, 4));
        continue;
      }
      flushCode();
    }

    if (BLANK.test(line)) {
      flushPara();
      flushQuote();
      if (list !== null) listBlank = true;
      continue;
    }

    const indent = indentOf(line);

    if (list !== null) {
      if (indent >= 2 || LIST_ITEM.test(line)) {
        if (!(indent < 4 && THEMATIC.test(line))) {
          if (listBlank) list.push('');
          listBlank = false;
          list.push(line);
          continue;
        }
      } else if (!listBlank && !ATX.test(line) && !FENCE_OPEN.test(line) && !QUOTE.test(line) && !THEMATIC.test(line)) {
        list.push(line); // lazy continuation of the last item
        continue;
      }
      flushList();
    }

    const open = FENCE_OPEN.exec(line);
    if (open && !(open[2][0] === '`' && open[3].includes('`'))) {
      flushAll();
      fence = { char: open[2][0], len: open[2].length, indent: open[1].length, lines: [] };
      continue;
    }

    const atx = ATX.exec(line);
    if (atx) {
      flushAll();
      const text = withoutClosingHashes(atx[2].trim()).trim();
      blocks.push({ kind: 'heading', level: atx[1].length as 1 | 2 | 3 | 4 | 5 | 6, text });
      continue;
    }

    if (para !== null && quote === null) {
      const setext = SETEXT.exec(line);
      if (setext) {
        const text = paragraphText(para).replace(/\s+/g, ' ');
        para = null;
        blocks.push({ kind: 'heading', level: setext[1][0] === '=' ? 1 : 2, text });
        continue;
      }
    }

    if (THEMATIC.test(line)) {
      flushAll();
      continue;
    }

    if (indent >= 4 && para === null && quote === null) {
      flushAll();
      code = [dedent(line, 4)];
      continue;
    }

    const q = QUOTE.exec(line);
    if (q) {
      flushPara();
      flushList();
      if (quote === null) quote = [];
      quote.push(q[1]);
      continue;
    }

    // An ordered item interrupts a paragraph only when it starts at 1 ("in\n2023. was" is a sentence).
    if (LIST_ITEM.test(line) && !(para !== null && /^ {0,3}\d/.test(line) && !/^ {0,3}0*1[.)]/.test(line))) {
      flushPara();
      flushQuote();
      list = [line];
      listBlank = false;
      continue;
    }

    if (quote !== null) {
      quote.push(line); // lazy continuation of the quoted paragraph
      continue;
    }
    if (para === null) para = [];
    para.push(line);
  }

  if (fence !== null) blocks.push({ kind: 'code', text: fence.lines.join('\n') });
  flushAll();
  return blocks;
}

/**
 * A heading without its closing `#`s (those alone, or after a space or tab: `# C#` keeps its hash).
 * A scan, not /(?:^|[ \t]+)#+$/, which is quadratic on long runs of spaces or hashes.
 */
function withoutClosingHashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end === text.length || end === 0) return text.slice(0, end);
  if (text[end - 1] !== ' ' && text[end - 1] !== '\t') return text;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(0, end);
}

/** Converts a Markdown document to a title and blocks in reading order. */
export function markdownToStructuredText(md: string): StructuredText {
  const lines = md.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const fm = frontMatter(lines);
  const blocks = readBlocks(lines, fm.end);
  let title = fm.title;
  if (title === null) {
    const h1 = blocks.find((b) => b.kind === 'heading' && b.level === 1 && b.text.length > 0);
    title = h1 === undefined ? null : h1.text;
  }
  return { title, blocks };
}
