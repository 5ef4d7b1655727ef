/** One `key=value` of a Java properties file, with the line it starts on (for messages). */
export interface Property {
  key: string;
  value: string;
  line: number;
}

const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

/**
 * Parses the text of a Java `.properties` file (what Kafka's clients and tools take as
 * `--command-config`): `#`/`!` comments, `=`, `:` or blanks between key and value, a trailing `\`
 * continuing a value on the next line, `\uXXXX` and the usual escapes. A later key wins, as in Java.
 */
export function parseProperties(text: string): Property[] {
  const lines = text.split(/\r\n|\r|\n/);
  const byKey = new Map<string, Property>();
  for (let i = 0; i < lines.length; i += 1) {
    const start = i + 1;
    let logical = lines[i].replace(/^[ \t\f]+/, '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      i += 1;
      logical = logical.slice(0, -1) + lines[i].replace(/^[ \t\f]+/, '');
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    const { key, value } = splitKeyValue(logical);
    byKey.delete(key); // keep file order for the key's last occurrence
    byKey.set(key, { key, value, line: start });
  }
  return [...byKey.values()];
}

/** An odd number of trailing backslashes: the last one escapes the line break. */
function endsWithContinuation(line: string): boolean {
  const trailing = /\\+$/.exec(line)?.[0].length ?? 0;
  return trailing % 2 === 1;
}

function splitKeyValue(line: string): { key: string; value: string } {
  let at = 0;
  while (at < line.length && !/[=:\s]/.test(line[at])) at += line[at] === '\\' ? 2 : 1;
  const key = unescape(line.slice(0, at));
  let rest = line.slice(at).replace(/^[ \t\f]+/, '');
  if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]+/, '');
  return { key, value: unescape(rest) };
}

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, esc: string) => {
    if (esc.length === 5) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return ESCAPES[esc] ?? esc;
  });
}

/** The text of a properties file Java reads back as `entries` (backslashes, breaks and leading blanks escaped). */
export function formatProperties(entries: ReadonlyArray<readonly [string, string]>): string {
  const escape = (text: string): string =>
    text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/^[ \t]/, (c) => `\\${c}`);
  return entries.map(([key, value]) => `${escape(key).replace(/[=: ]/g, (c) => `\\${c}`)}=${escape(value)}`).join('\n') + '\n';
}
