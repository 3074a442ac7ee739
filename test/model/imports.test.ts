/**
 * Layering of src/: no folder imports a folder that imports it back, and no file imports itself through
 * others. Reads the import, export-from and dynamic import() specifiers of every .ts file as text (type
 * imports count: they tie the modules' designs together just the same) and prints each cycle found.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Relative imports of each file under src/, as paths relative to src/ ('model/types.ts'). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith('.')) continue;
      deps.push(relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'));
    }
    graph.set(relative(SRC, file), deps);
  }
  return graph;
}

/** Every elementary cycle's first appearance, as a path a -> b -> ... -> a (depth-first, one per back edge). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

/**
 * A file's unit: its first folder under src/ (each backend under backends/ is one of its own), or the
 * file itself at the top (errors.ts, index.ts).
 */
function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return file;
  return parts[0] === 'backends' && parts.length > 2 ? `backends/${parts[1]}/` : `${parts[0]}/`;
}

const files = importGraph();

it('parses the imports (sanity: index.ts re-exports the model types)', () => {
  expect(files.get('index.ts')).toContain('model/types.ts');
  expect(files.get('backends/create.ts')).toContain('backends/wasm/index.ts'); // a dynamic import()
});

it('no folder of src/ imports a folder that imports it back', () => {
  const units = new Map<string, Set<string>>();
  for (const [file, deps] of files) {
    const from = unitOf(file);
    const out = units.get(from) ?? new Set<string>();
    for (const dep of deps) if (unitOf(dep) !== from) out.add(unitOf(dep));
    units.set(from, out);
  }
  // Name the files behind each edge of a cycle, so the report says what to move.
  const why = (a: string, b: string): string =>
    [...files]
      .flatMap(([f, deps]) => (unitOf(f) === a ? deps.filter((d) => unitOf(d) === b).map((d) => `${f} -> ${d}`) : []))
      .slice(0, 3)
      .join(', ');
  const report = cycles(units).map(
    (c) =>
      `${c.join(' -> ')}\n    ${c
        .slice(1)
        .map((b, i) => why(c[i], b))
        .join('\n    ')}`,
  );
  expect(report, `folder cycles:\n  ${report.join('\n  ')}`).toEqual([]);
});

it('no file of src/ imports itself through other files', () => {
  const graph = new Map([...files].map(([f, deps]) => [f, new Set(deps)]));
  const report = cycles(graph).map((c) => c.join(' -> '));
  expect(report, `file cycles:\n  ${report.join('\n  ')}`).toEqual([]);
});
