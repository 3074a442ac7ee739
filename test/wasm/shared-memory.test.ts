// The shared-memory twin the host derives from a kernel build's bytes (src/wasm/shared-memory.ts)
// is byte for byte asc's own --importMemory --sharedMemory --zeroFilledMemory build of the same source
// (build/check/nn-threads.wasm, made by npm run build:wasm), and both builds derive a module that
// instantiates on a shared memory.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelImports } from '../../src/backends/wasm/kernels.js';
import { MAX_PAGES, withSharedMemory } from '../../src/wasm/shared-memory.js';
import { buildsUnderTest } from './builds.js';

const built = (name: string) => new Uint8Array(readFileSync(new URL(`../../build/${name}.wasm`, import.meta.url)));

describe('shared-memory kernel modules', () => {
  it("are asc's own shared-memory build, byte for byte", () => {
    const derived = withSharedMemory(built('nn'));
    const asc = built('check/nn-threads');
    expect(derived.length).toBe(asc.length);
    expect(derived.findIndex((b, i) => b !== asc[i])).toBe(-1);
  });

  it.each(buildsUnderTest())('%s: instantiates on one shared memory, twice, with the same exports', async (build) => {
    const module = await WebAssembly.compile(withSharedMemory(built(build)));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const [a, b] = await Promise.all([0, 1].map(() => WebAssembly.instantiate(module, kernelImports(memory))));
    expect(a.exports.memory).toBe(memory);
    expect(b.exports.memory).toBe(memory);
    expect(Object.keys(a.exports).sort()).toEqual(
      WebAssembly.Module.exports(new WebAssembly.Module(built(build)))
        .map((e) => e.name)
        .sort(),
    );
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
