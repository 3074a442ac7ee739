/**
 * The WGSL <-> TypeScript contract, checked on the CPU (no adapter needed): every shaders/*.wgsl, spliced
 * as the library embeds it, declares exactly the Dims fields, bindings, workgroup size and entry point
 * that kernelTable says, and no helper is written twice under shaders/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commonDir, readShaders, shadersDir } from '../../scripts/wgsl.mjs';
import { shaderSources } from '../../src/generated/shaders.js';
import { STORAGE_BUFFERS_NEEDED } from '../../src/backends/webgpu/device.js';
import {
  encodeDims,
  kernelTable,
  type Kernel,
  type KernelName,
  type KernelSpec,
} from '../../src/backends/webgpu/kernels.js';
import { Plan, type BufferPool } from '../../src/backends/webgpu/plan.js';

const shaders = readShaders();
const table: Record<string, KernelSpec> = kernelTable;

function code(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

function dimsOf(src: string): Array<{ name: string; type: string }> {
  const structs = [...code(src).matchAll(/struct\s+Dims\s*\{([^}]*)\}/g)];
  expect(structs, 'one struct Dims').toHaveLength(1);
  return structs[0][1]
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const [name, type] = f.split(':').map((s) => s.trim());
      return { name, type };
    });
}

/** Every `@group(g) @binding(n) var<space[, access]> name: type;`, with the access as a BindingKind. */
function bindingsOf(src: string): Array<{ group: number; binding: number; name: string; kind: string; type: string }> {
  return [...code(src).matchAll(/@group\((\d+)\)\s*@binding\((\d+)\)\s*var<([^>]*)>\s*(\w+)\s*:\s*([^;]+);/g)].map(
    (m) => {
      const space = m[3]
        .split(',')
        .map((s) => s.trim())
        .join(',');
      const kind =
        space === 'uniform'
          ? 'uniform'
          : space === 'storage' || space === 'storage,read'
            ? 'read'
            : space === 'storage,read_write'
              ? 'rw'
              : space;
      return { group: Number(m[1]), binding: Number(m[2]), name: m[4], kind, type: m[5].trim() };
    },
  );
}

describe('WGSL contract', () => {
  it('every kernel in the table has a shader and every shader a table entry', () => {
    expect(Object.keys(shaders)).toEqual(Object.keys(kernelTable).sort());
  });

  it('src/generated/shaders.ts is the spliced shaders/ (run npm run build:embed when this fails)', () => {
    expect(shaderSources).toEqual(shaders);
  });

  describe.each(Object.keys(shaders))('%s', (name) => {
    const src = shaders[name];
    const spec = table[name];

    it('has one compute entry point, named after the file, of workgroup size WG = the table wg', () => {
      const entries = [...code(src).matchAll(/@compute\s+@workgroup_size\(([^)]*)\)\s*fn\s+(\w+)/g)];
      expect(entries.map((m) => [m[2], m[1].trim()])).toEqual([[name, 'WG']]);
      expect(code(src)).toMatch(new RegExp(`override WG: u32 = ${spec.wg};`));
    });

    it('declares the Dims fields of the table, in order and of the same types', () => {
      expect(dimsOf(src)).toEqual(spec.dims.map((f) => ({ name: f.name, type: f.type })));
    });

    it('binds the Dims uniform at 0 and the table bindings at 1.. by name and access', () => {
      const want = [
        { group: 0, binding: 0, name: 'd', kind: 'uniform', type: 'Dims' },
        ...Object.entries(spec.bindings).map(([n, kind], i) => ({
          group: 0,
          binding: i + 1,
          name: n,
          kind: kind === 'step' ? 'uniform' : kind,
          type: kind === 'step' ? 'Step' : expect.stringMatching(/^array</),
        })),
      ];
      expect(bindingsOf(src)).toEqual(want);
    });
  });

  it('no kernel needs more storage buffers than the device is asked for', () => {
    const most = Math.max(
      ...Object.values(table).map((s) => Object.values(s.bindings).filter((b) => b !== 'step').length),
    );
    expect(most).toBeLessThanOrEqual(STORAGE_BUFFERS_NEEDED);
  });

  it('no function, struct, alias or const is defined in more than one file under shaders/', () => {
    const dirs = [shadersDir, commonDir];
    const files = dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.wgsl'))
        .map((f) => ({ path: `${dir}${f}`, common: dir === commonDir })),
    );
    const definedIn = new Map<string, string[]>();
    const snippetUses = new Set<string>();
    for (const f of files) {
      const src = code(readFileSync(f.path, 'utf8'));
      const defined = new Set([...src.matchAll(/\b(?:fn|struct|alias|const)\s+(\w+)/g)].map((m) => m[1]));
      for (const n of defined) definedIn.set(n, [...(definedIn.get(n) ?? []), f.path.slice(shadersDir.length)]);
      if (f.common) for (const [w] of src.matchAll(/\b[A-Za-z_]\w*\b/g)) if (!defined.has(w)) snippetUses.add(w);
    }
    // Allowed twice: each kernel's own Dims, and hooks, which a common snippet calls and each kernel that
    // includes it defines for itself (cell_update, gate_params, ...).
    const repeated = [...definedIn].filter(
      ([n, where]) =>
        where.length > 1 && n !== 'Dims' && !(snippetUses.has(n) && where.every((p) => !p.startsWith('common/'))),
    );
    expect(repeated).toEqual([]);
  });

  it('encodeDims refuses a missing or an unknown field, so that none reaches a shader as 0', () => {
    const out = new DataView(new ArrayBuffer(256));
    expect(() => encodeDims('column_sum', { rows: 1, cols: 2, a_off: 0 }, out, 0)).toThrow(/'c_off' not given/);
    expect(() => encodeDims('column_sum', { rows: 1, cols: 2, a_off: 0, c_off: 0, flags: 0 }, out, 0)).toThrow(
      /no dims field 'flags'/,
    );
    encodeDims(
      'dropout_forward',
      { count: 3, in_off: 0, out_off: 0, layer: 1, seed: 2, keep_from: 4, scale: 1.5 },
      out,
      0,
    );
    expect(out.getFloat32(24, true)).toBe(1.5);
  });

  it('Plan.dispatch takes the storage buffers by binding name, all of them and no others', () => {
    const plan = new Plan({} as GPUDevice, {} as BufferPool, {} as GPUBuffer, 'contract');
    const kernel = (name: KernelName) => ({ name, spec: kernelTable[name] }) as Kernel;
    const buffer = {} as GPUBuffer;
    const dims = { rows: 1, cols: 1, a_off: 0, c_off: 0 };
    expect(() => plan.dispatch(kernel('column_sum'), dims, { a: buffer }, 1)).toThrow(/no buffer for binding 'out'/);
    expect(() => plan.dispatch(kernel('column_sum'), dims, { a: buffer, out: buffer, c: buffer }, 1)).toThrow(
      /no storage binding 'c'/,
    );
    expect(() =>
      plan.dispatch(kernel('loss_sum'), { rows: 1 }, { st: buffer, row_loss: buffer, scalars: buffer }, 1),
    ).toThrow(/no storage binding 'st'/);
  });
});
