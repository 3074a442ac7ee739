// WGSL has no imports, so the kernels share code by splicing at build time: a line
//   //!include name
// in a shader is replaced by shaders/common/name.wgsl, whose own includes are spliced first. Each snippet
// is spliced at most once per shader, so two snippets can both include a third. Used by embed.mjs and by
// test/webgpu/wgsl-contract.test.ts, so that the test checks exactly what the library runs.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const shadersDir = fileURLToPath(new URL('../shaders/', import.meta.url));
export const commonDir = fileURLToPath(new URL('../shaders/common/', import.meta.url));

const INCLUDE = /^\/\/!include ([a-z0-9_]+)$/;

/** `source` with every `//!include` replaced by its snippet from shaders/common. */
export function spliceWgsl(source, seen = new Set()) {
  return source
    .split('\n')
    .map((line) => {
      if (!line.startsWith('//!')) return line;
      const m = INCLUDE.exec(line.trimEnd());
      if (!m) throw new Error(`bad WGSL directive '${line}' (expected '//!include name')`);
      const name = m[1];
      if (seen.has(name)) return `// --- common/${name}.wgsl: spliced above`;
      seen.add(name);
      let snippet;
      try {
        snippet = readFileSync(`${commonDir}${name}.wgsl`, 'utf8');
      } catch {
        throw new Error(`//!include ${name}: no shaders/common/${name}.wgsl`);
      }
      return `// --- common/${name}.wgsl\n${spliceWgsl(snippet, seen).trimEnd()}`;
    })
    .join('\n');
}

/** Every kernel shaders/NAME.wgsl, spliced, keyed by NAME (sorted). */
export function readShaders() {
  const out = {};
  for (const f of readdirSync(shadersDir)
    .filter((f) => f.endsWith('.wgsl'))
    .sort()) {
    out[f.slice(0, -5)] = spliceWgsl(readFileSync(`${shadersDir}${f}`, 'utf8'));
  }
  return out;
}
