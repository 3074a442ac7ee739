// Behaviour of the WASM engine itself, beyond the contract (test/model/contract*.test.ts runs the shared
// rules over both engines) and the fixtures: the wasm32 size limit, dropout masks, memory that does not
// grow per step.
import { describe, expect, it } from 'vitest';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import { instantiateKernels, kernelModule } from '../../src/backends/wasm/kernels.js';
import { Arena } from '../../src/backends/wasm/arena.js';
import { dropoutUniform } from '../../src/model/params.js';
import type { ModelConfig } from '../../src/model/types.js';
import { codeOf, tokens } from '../model/backends.js';

const lstm: ModelConfig = { cell: 'lstm', layers: 2, hidden: 8, vocabSize: 6, seed: 5 };

describe('WASM engine', () => {
  it('refuses a model that cannot fit in wasm32 memory with E_TOO_LARGE', async () => {
    expect(await codeOf(() => createWasmModel({ cell: 'lstm', layers: 2, hidden: 20000, vocabSize: 10 }))).toBe(
      'E_TOO_LARGE',
    );
  });

  it('draws dropout masks exactly as dropoutUniform', async () => {
    const k = await instantiateKernels(kernelModule('nn'));
    const arena = new Arena(k);
    const n = 5000;
    const mask = arena.alloc(n);
    arena.commit();
    for (const [seed, step, layer, p] of [
      [0, 0, 0, 0.5],
      [123456789, 17, 2, 0.1],
      [0xffffffff, 3, 1, 0.9],
    ]) {
      const scale = Math.fround(1 / (1 - p));
      k.dropoutMask(mask, seed, step, layer, n, p, scale);
      const got = arena.f32(mask, n);
      for (let i = 0; i < n; i++) expect(got[i]).toBe(dropoutUniform(seed, step, layer, i) >= p ? scale : 0);
    }
  });

  it('allocates once per batch shape: memory constant over 50 steps, grows only for a bigger batch', async () => {
    const m = await createWasmModel(lstm);
    const bytes = () => (m as unknown as { engine: { arena: Arena } }).engine.arena.bytes;
    m.trainStep(tokens(0, 4, 6, 6), tokens(1, 4, 6, 6), { lr: 1, clip: 1 });
    const first = bytes();
    for (let s = 0; s < 50; s++)
      m.trainStep(tokens(s, 4, 6, 6), tokens(s + 1, 4, 6, 6), { lr: 1, clip: 1, optimizer: s % 2 ? 'adam' : 'sgd' });
    await m.forward(tokens(0, 1, 1, 6));
    expect(bytes()).toBe(first);
    m.trainStep(tokens(0, 64, 30, 6), tokens(1, 64, 30, 6), { lr: 1, clip: 1 });
    expect(bytes()).toBeGreaterThan(first);
    expect((await m.readLoss()).tokens).toBe(51 * 24 + 64 * 30);
    m.dispose();
  });
});
