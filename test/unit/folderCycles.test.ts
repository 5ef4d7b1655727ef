import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/** src/<folder> -> the other src folders its files import (relative imports only). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const files = fs.readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const from = file.split(path.sep)[0];
    const text = fs.readFileSync(path.join(SRC, file), 'utf8');
    for (const [, spec] of text.matchAll(/from '(\.[^']+)'/g)) {
      const to = path.relative(SRC, path.resolve(SRC, path.dirname(file), spec)).split(path.sep)[0];
      if (to !== from && !to.startsWith('..')) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return graph;
}

/** A path of folders from `start` back to itself, if there is one. */
function cycleThrough(graph: Map<string, Set<string>>, start: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (at: string, trail: string[]): string[] | undefined => {
    for (const next of graph.get(at) ?? []) {
      if (next === start) return [...trail, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = walk(next, [...trail, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

describe('the folders of src', () => {
  it('import each other without cycles (core and util at the bottom, cli at the top)', () => {
    const graph = folderGraph();
    expect(graph.get('cli')?.has('demo')).toBe(true); // the graph is read at all
    expect([...graph.keys()].map((f) => cycleThrough(graph, f)).filter(Boolean)).toEqual([]);
  });

  it('only the CLI reaches the development tooling (local broker, promtool) in src/dev', () => {
    const graph = folderGraph();
    const users = [...graph].filter(([, to]) => to.has('dev')).map(([from]) => from);
    expect(users).toEqual(['cli']);
  });

  it('core imports no other folder of the engine', () => {
    expect([...(folderGraph().get('core') ?? [])]).toEqual([]);
  });
});
