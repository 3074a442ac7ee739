// The built CLI as a user runs it (dist/node/cli.js, after `npm run build`): its execute bit, --version,
// --help --json, one JSON object on stdout even on failure, SIGTERM saving a checkpoint, binary input,
// generate --json with log-probabilities, and no Dawn warning from a command that never asked for WebGPU.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeMachineText } from '../helpers/data.js';
import { unavailable, WEBGPU_INSTALL } from '../helpers/requires.js';
import { TINY } from './helpers.js';

const cli = fileURLToPath(new URL('../../dist/node/cli.js', import.meta.url));
const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
const dir = mkdtempSync(join(tmpdir(), 'deeprnn-built-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = join(dir, 'book.txt');
writeFileSync(text, timeMachineText().slice(0, 8000));
const model = join(dir, 'm.safetensors');
const small = ['--data', text, ...TINY];

/** Runs the bin itself (no `node` in front: the execute bit and the shebang are part of the test). */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cli, args, { env: { ...process.env, CI: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('dist/node/cli.js', () => {
  beforeAll(async () => {
    const r = await run(['train', ...small, '--epochs', '1', '--out', model]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('is executable after every build, and prints its version', async () => {
    expect(statSync(cli).mode & 0o111).toBe(0o111);
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `deeprnn ${pkg.version}\n` });
    expect(JSON.parse((await run(['--version', '--json'])).stdout)).toEqual({ version: pkg.version });
  });

  it('--help --json is one JSON object; the help names every exit status', async () => {
    const r = await run(['train', '--help', '--json']);
    expect(r.code).toBe(0);
    const { help } = JSON.parse(r.stdout);
    expect(help).toContain('--num-steps');
    expect(help).toContain('130 / 143 stopped by Ctrl-C / SIGTERM');
  });

  it('--json prints one JSON object on failure too; messages carry one prefix', async () => {
    const bad = await run(['train', '--epochs', 'x', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'E_BAD_OPTION' }, exitCode: 2 });
    expect(bad.stderr).toMatch(/^deeprnn train: --epochs must be/);
    const missing = await run(['eval', '--model', join(dir, 'none.safetensors'), '--data', text, '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'E_IO' }, exitCode: 1 });
    expect(missing.stderr).toMatch(/^deeprnn: cannot read checkpoint .*none\.safetensors/);
  });

  it('generate --json gives every token with its log-probability; no Dawn warning reaches stderr', async () => {
    const r = await run([
      'generate',
      '--model',
      model,
      '--prefix',
      'the time',
      '--length',
      '20',
      '--seed',
      '3',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.tokens).toHaveLength(20);
    expect(out.tokens.map((t: { text: string }) => t.text).join('')).toBe(out.text);
    for (const t of out.tokens) expect(t.logProb).toBeLessThanOrEqual(0);
    const plain = await run(['generate', '--model', model, '--prefix', 'the time', '--length', '20', '--seed', '3']);
    expect(plain).toMatchObject({ code: 0, stderr: '', stdout: `the time${out.text}\n` });
  });

  it('SIGTERM saves a checkpoint and exits 143, with the JSON object under --json', async () => {
    const out = join(dir, 'term.safetensors');
    const child = spawn(cli, ['train', ...small, '--epochs', '100000', '--out', out, '--json'], {
      env: { ...process.env, CI: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    setTimeout(() => child.kill('SIGTERM'), 1500);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(143);
    expect(stderr).toContain(`interrupted by SIGTERM; checkpoint saved to ${out}`);
    expect(JSON.parse(stdout)).toMatchObject({ interrupted: 'SIGTERM', checkpoint: out });
    expect(existsSync(out)).toBe(true);
  }, 30_000);

  it('warns about a binary --data file and refuses one with no text', async () => {
    const noisy = join(dir, 'noisy.bin');
    writeFileSync(
      noisy,
      Buffer.concat([
        Buffer.from(timeMachineText().slice(0, 3000)),
        Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256)),
      ]),
    );
    const r = await run([
      'train',
      ...small.slice(2),
      '--data',
      noisy,
      '--epochs',
      '1',
      '--out',
      join(dir, 'noisy.safetensors'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^deeprnn: warning: .*noisy\.bin looks binary, not text \(\d+% of its characters/);
    const zeros = join(dir, 'zeros.bin');
    writeFileSync(zeros, Buffer.alloc(4000));
    const z = await run([
      'train',
      ...small.slice(2),
      '--data',
      zeros,
      '--epochs',
      '1',
      '--out',
      join(dir, 'zeros.safetensors'),
    ]);
    expect(z.code).toBe(1);
    expect(z.stderr).toMatch(/zeros\.bin holds no text.*\[E_EMPTY_CORPUS\]/);
  });

  it('backend auto picking WASM prints nothing on stderr (no Dawn warning from its probe)', async () => {
    const r = await run([
      'train',
      '--data',
      text,
      '--layers',
      '1',
      '--hidden',
      '8',
      '--batch-size',
      '4',
      '--num-steps',
      '8',
      '--epochs',
      '1',
      '--out',
      join(dir, 'auto.safetensors'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // lavapipe and SwiftShader are software adapters; train's --threads auto adds the count on a multi-core machine
    expect(r.stdout).toMatch(/ tokens\/sec on wasm( with \d+ threads)?\n/);
  });

  it('refuses models that cannot fit with E_TOO_LARGE, before allocating, on both backends', async () => {
    for (const backend of ['wasm', 'webgpu']) {
      for (const layers of ['1000', '100000']) {
        const r = await run([
          'train',
          '--data',
          text,
          '--layers',
          layers,
          '--epochs',
          '1',
          '--backend',
          backend,
          '--out',
          join(dir, 'big.safetensors'),
        ]);
        if (backend === 'webgpu' && /E_NO_ADAPTER|E_NO_WEBGPU/.test(r.stderr)) {
          unavailable({ missing: 'no WebGPU adapter for the size check', install: WEBGPU_INSTALL });
          continue;
        }
        expect(r.code, `${backend} ${layers}`).toBe(1);
        expect(r.stderr, `${backend} ${layers}`).toMatch(/\[E_TOO_LARGE\]\n$/);
      }
    }
  }, 60_000);

  it('a virtual-memory limit is E_TOO_LARGE saying so, not a raw RangeError', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['-c', `ulimit -v 4000000; exec "${cli}" train --data "${text}" --epochs 1 --layers 1 --hidden 8`],
        (error, _out, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^deeprnn: could not reserve memory for the .*raise the virtual-memory limit \(ulimit -v\) \[E_TOO_LARGE\]\n$/,
    );
  });
});
