/**
 * The WGSL dropout mask is exactly dropoutUniform(seed, step, layer, index) of src/model/params.ts (the
 * function the WASM backend implements too), and train-mode dropout changes with the step counter.
 */
import { expect, it } from 'vitest';
import { dropoutUniform } from '../../src/model/params.js';
import { pipelineCache } from '../../src/backends/webgpu/kernels.js';
import { BufferPool, Plan, Usage, upload } from '../../src/backends/webgpu/plan.js';
import { Readback } from '../../src/backends/webgpu/readback.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

describeGpu(device)('dropout (WebGPU)', () => {
  it('dropout_forward and dropout_backward apply exactly the host mask', async () => {
    const d = device!;
    const pool = new BufferPool(d);
    try {
      const count = 3000;
      const [seed, step, layer, p] = [0xdeadbeef, 7, 2, 0.3];
      const input = Float32Array.from({ length: count }, (_, i) => 1 + (i % 13));
      const a = pool.storage('in', count);
      const b = pool.storage('out', count);
      const c = pool.storage('back', count);
      upload(d, a, 0, input);
      const stepBuf = pool.create({ size: 64, usage: Usage.UNIFORM | Usage.COPY_DST });
      const st = new Uint32Array(16);
      st[7] = step;
      d.queue.writeBuffer(stepBuf, 0, st);
      const cache = pipelineCache(d);
      const plan = new Plan(d, pool, stepBuf, 'dropout test');
      const dims = {
        count,
        in_off: 0,
        out_off: 0,
        layer,
        seed,
        keep_from: Math.ceil(p * 16777216),
        scale: 1 / (1 - p),
      };
      plan.dispatch(await cache.get('dropout_forward'), dims, { inp: a, out: b }, count);
      plan.dispatch(await cache.get('dropout_backward'), dims, { dout: a, din: c }, count);
      plan.finish();
      const encoder = d.createCommandEncoder();
      plan.encode(encoder);
      const done = new Readback(pool, () => null).stage(encoder, [
        { buffer: b, offset: 0, size: count * 4 },
        { buffer: c, offset: 0, size: count * 4 },
      ]);
      d.queue.submit([encoder.finish()]);
      const [out, back] = await done();
      let kept = 0;
      for (let i = 0; i < count; i++) {
        const keep = dropoutUniform(seed, step, layer, i) >= p;
        kept += keep ? 1 : 0;
        const want = keep ? Math.fround(input[i] * Math.fround(1 / (1 - p))) : 0;
        expect(out[i], `element ${i}`).toBe(want);
        expect(back[i], `element ${i}`).toBe(want);
      }
      expect(kept / count).toBeGreaterThan(0.65);
      expect(kept / count).toBeLessThan(0.75);
    } finally {
      pool.destroy();
    }
  });
});
