import madge from 'madge';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No import cycles (issue #13): none between files anywhere in the code, and none between
 * the engine's folders (core, backend, particles, ot, grid, models, …), type-only imports
 * included — a cycle such as particles ↔ backend or ot ↔ grid means two layers that cannot
 * be read, tested or replaced apart. madge (npm `madge`) builds the import graph with
 * TypeScript's resolver.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function graph(dirs: string[]): Promise<Record<string, string[]>> {
  const res = await madge(dirs.map((d) => ROOT + d), {
    baseDir: ROOT, fileExtensions: ['ts'], tsConfig: ROOT + 'tsconfig.json',
    detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
  });
  return res.obj();
}

/** The strongly connected components with more than one node (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>(), out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        c.push(w);
        if (w === v) break;
      }
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import graph', () => {
  it('has no cycle between files (engine, node, cli, viewer, scenes, bench)', async () => {
    const g = await graph(['engine', 'node', 'cli', 'viewer/driver', 'viewer/server', 'scenes', 'bench']);
    expect(Object.keys(g).length).toBeGreaterThan(150);
    const edges = new Map(Object.entries(g).map(([f, deps]) => [f, new Set(deps)]));
    expect(cycles(edges)).toEqual([]);
  });

  it('has no cycle between the engine\'s folders', async () => {
    const g = await graph(['engine']);
    const folder = (f: string) => f.replace(/^engine\//, '').split('/')[0];
    const edges = new Map<string, Set<string>>();
    for (const [f, deps] of Object.entries(g)) {
      const a = folder(f);
      if (!edges.has(a)) edges.set(a, new Set());
      for (const d of deps) if (folder(d) !== a) edges.get(a)!.add(folder(d));
    }
    expect(edges.get('particles')?.has('backend')).toBe(true); // the graph is read (a known edge)
    expect(cycles(edges)).toEqual([]);
  });
});
