// Compiles each WASM module of assembly/ with asc (release target of asconfig.json) into build/.
// Usage: node scripts/build-wasm.mjs [--debug]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

const target = process.argv.includes('--debug') ? 'debug' : 'release';

// name -> entry and extra asc flags. nn-relaxed is the same source with relaxed-SIMD FMA enabled; the host
// picks it only where WebAssembly.validate accepts it.
// build/check/nn-threads.wasm is asc's own shared-memory build of 'nn': not shipped (the host derives
// it from nn.wasm's bytes, src/wasm/shared-memory.ts), only compared with that derivation by
// test/wasm/shared-memory.test.ts, so the two cannot drift apart.
const modules = [
  { name: 'text', entry: 'assembly/text/index.ts', flags: [] },
  { name: 'nn', entry: 'assembly/nn/index.ts', flags: ['--runtime', 'stub'] },
  { name: 'nn-relaxed', entry: 'assembly/nn/index.ts', flags: ['--enable', 'relaxed-simd', '--runtime', 'stub'] },
  // The forward kernels alone, for generation-only builds (deeprnn/generate): the same sources and flags as 'nn'.
  { name: 'nn-forward', entry: 'assembly/nn/forward.ts', flags: ['--runtime', 'stub'] },
  {
    name: 'check/nn-threads',
    entry: 'assembly/nn/index.ts',
    flags: [
      '--runtime',
      'stub',
      '--enable',
      'threads',
      '--importMemory',
      '--sharedMemory',
      '--zeroFilledMemory',
      '--maximumMemory',
      '65536',
    ],
  },
];

mkdirSync('build/check', { recursive: true });
for (const m of modules) {
  if (!existsSync(m.entry)) continue;
  const args = [
    m.entry,
    '--config',
    'asconfig.json',
    '--target',
    target,
    '--outFile',
    `build/${m.name}.wasm`,
    ...m.flags,
  ];
  execFileSync(process.execPath, ['node_modules/assemblyscript/bin/asc.js', ...args], { stdio: 'inherit' });
  console.log(`built build/${m.name}.wasm (${target})`);
}
