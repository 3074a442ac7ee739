/**
 * `deeprnn quantize` (issue 15): a trained checkpoint to int8 and f16, which generate and eval load; a
 * quantized file cannot be trained further or quantized again; bad values exit 2.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFile, timeMachineText } from '../helpers/data.js';
import { runMain } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'deeprnn-quantize-'));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const held = textFile(timeMachineText().slice(50_000, 52_000));
const SMALL = ['--layers', '1', '--hidden', '24', '--batch-size', '4', '--num-steps', '8', '--backend', 'wasm'];

beforeAll(async () => {
  const r = await runMain('train', ...SMALL, '--epochs', '1', '--max-tokens', '3000', '--out', at('m.safetensors'));
  expect(r.code, r.stderr).toBe(0);
});

describe('deeprnn quantize', () => {
  it.each(['int8', 'f16'])('writes a smaller %s checkpoint that generate and eval serve', async (to) => {
    const out = at(`m.${to}.safetensors`);
    const r = await runMain('quantize', '--model', at('m.safetensors'), '--to', to, '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ out, to, bytes: statSync(out).size });
    // f32Bytes: the same weights as an f32 checkpoint, without the training state the trained file also holds
    expect(summary.f32Bytes).toBeLessThan(statSync(at('m.safetensors')).size);
    expect(summary.bytes).toBeLessThan(summary.f32Bytes * (to === 'int8' ? 0.45 : 0.6));

    const g = await runMain('generate', '--model', out, '--prefix', 'the time ', '--length', '20', '--json');
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout).tokens).toHaveLength(20);
    const [e32, eq] = [
      await runMain('eval', '--model', at('m.safetensors'), '--data', held, '--json'),
      await runMain('eval', '--model', out, '--data', held, '--json'),
    ];
    expect(eq.code, eq.stderr).toBe(0);
    const ratio = JSON.parse(eq.stdout).perplexity / JSON.parse(e32.stdout).perplexity;
    expect(Math.abs(ratio - 1)).toBeLessThan(to === 'int8' ? 0.02 : 0.001);
  });

  it('prints what it wrote; a quantized file is not trained further or quantized again', async () => {
    const r = await runMain('quantize', '--model', at('m.safetensors'), '--to', 'int8', '--out', at('q.safetensors'));
    expect(r.stdout).toMatch(
      /^wrote .*q\.safetensors \(int8, \d+ bytes; [\d.]+x smaller than its weights in f32, \d+ bytes\)\n$/,
    );
    const again = await runMain(
      'quantize',
      '--model',
      at('q.safetensors'),
      '--to',
      'f16',
      '--out',
      at('q2.safetensors'),
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already int8/);
    const resume = await runMain(
      'train',
      ...SMALL,
      '--resume',
      at('q.safetensors'),
      '--epochs',
      '2',
      '--out',
      at('r.safetensors'),
    );
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(
      /this is an int8 checkpoint, which is for generation and evaluation.*\[E_QUANTIZED\]/,
    );
  });

  it('exits 2 on a bad --to or a missing flag', async () => {
    const bad = await runMain('quantize', '--model', at('m.safetensors'), '--to', 'int4', '--out', at('x'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--to must be one of int8, f16, got 'int4'/);
    const missing = await runMain('quantize', '--model', at('m.safetensors'), '--out', at('x'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--to is required/);
  });
});
