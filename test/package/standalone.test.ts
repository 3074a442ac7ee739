/**
 * The project stands alone: a user's clone has nothing beside it, so no source, test, benchmark, demo or
 * script may read a folder next to the checkout, and the data they need is inside the repository.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outside = ['..', 'shared'].join('/'); // spelled in pieces so that this file does not match itself

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.gz'))
    .map((e) => join(e.parentPath, e.name));
}

describe('stand-alone', () => {
  it(`nothing in src, test, bench, demo or scripts names ${outside}`, () => {
    const offenders = ['src', 'test', 'bench', 'demo', 'scripts']
      .flatMap(filesUnder)
      .filter((f) => !f.includes(`${join(root, 'src', 'generated')}`) && !f.endsWith('.md'))
      .filter((f) => readFileSync(f, 'utf8').includes(outside));
    expect(offenders.map((f) => f.slice(root.length))).toEqual([]);
  });
});
