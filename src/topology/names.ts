/** Small helpers for naming things in topology errors: Kafka names, YAML paths, "did you mean". */

export type PathKey = string | number;

/** Kafka's own topic-name rule (kafka.common.internals.Topic): legal characters, at most 249, not `.` or `..`. */
export function isValidKafkaName(name: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..';
}

/** `['stages', 2, 'llm', 'baseUrl']` -> `stages[2].llm.baseUrl`; the root is `(top level)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment): `inptu` ~ `input`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2][j - 2] + 1);
      d[i][j] = best;
    }
  }
  return d[a.length][b.length];
}

/** The choice nearest to `word`, if it is near enough to be a plausible typo. */
export function closest(word: string, choices: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: { choice: string; distance: number } | undefined;
  for (const choice of choices) {
    const distance = editDistance(w, choice.toLowerCase());
    if (best === undefined || distance < best.distance) best = { choice, distance };
  }
  if (best === undefined) return undefined;
  // About one edit per three characters of the longer word, at least two: catches typos and
  // abbreviations (`passthru`), not unrelated words.
  const longer = Math.max(word.length, best.choice.length);
  return best.distance <= Math.max(2, Math.floor(longer / 3)) && best.distance < longer ? best.choice : undefined;
}

/** `a, b, c` (or `(none)`), for "use one of" hints. */
export function listOf(choices: readonly unknown[]): string {
  return choices.length === 0 ? '(none)' : choices.map(String).join(', ');
}
