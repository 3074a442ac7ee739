// Text pipeline throughput: preprocess + tokenize + build the vocabulary + encode tinyshakespeare, in the
// WASM text core and in plain TypeScript (test/text/reference.ts, d2l written directly).
// Run: npx vite-node bench/text.bench.ts   (after npm run build:wasm && npm run build:embed)
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { buildCorpusSync, loadTextCore } from '../src/text/index.js';
import type { ResolvedTokenizeOptions } from '../src/text/options.js';
import { refEncode, refTokenize, refVocab } from '../test/text/reference.js';

const path = new URL('../../shared/data/tinyshakespeare.txt', import.meta.url);
const bytes = new Uint8Array(readFileSync(path));
const MB = bytes.length / 1e6;
const RUNS = 15;

function median(fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn(); // warm up the JIT (and, for WASM, the heap)
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[RUNS >> 1];
}

await loadTextCore();
const decoder = new TextDecoder();
const configs: ResolvedTokenizeOptions[] = [
  { preprocess: 'd2l', tokenize: 'char', newlines: false },
  { preprocess: 'd2l', tokenize: 'word', newlines: false },
  { preprocess: 'none', tokenize: 'char', newlines: true },
  { preprocess: 'none', tokenize: 'word', newlines: false },
];

console.log(`tinyshakespeare.txt: ${bytes.length} bytes; median of ${RUNS} runs; MB = 10^6 bytes`);
console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}\n`);
console.log('| preprocess | tokens | count | vocab | WASM ms | WASM MB/s | TypeScript ms | TypeScript MB/s | speed-up |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const o of configs) {
  const wasm = buildCorpusSync(bytes, o);
  const refTokens = refTokenize(decoder.decode(bytes), o);
  const ref = refVocab(refTokens);
  if (wasm.vocab.size !== ref.tokens.length || refEncode(refTokens, ref.tokens).join() !== wasm.tokens.join()) {
    throw new Error(`WASM and TypeScript disagree for ${JSON.stringify(o)}`);
  }
  const tWasm = median(() => buildCorpusSync(bytes, o));
  const tTs = median(() => {
    const tokens = refTokenize(decoder.decode(bytes), o);
    return refEncode(tokens, refVocab(tokens).tokens);
  });
  console.log(`| ${o.preprocess} | ${o.tokenize}${o.newlines ? ' + \\n' : ''} | ${wasm.tokens.length} | ${wasm.vocab.size} | ` +
    `${tWasm.toFixed(1)} | ${(MB / (tWasm / 1000)).toFixed(0)} | ${tTs.toFixed(1)} | ${(MB / (tTs / 1000)).toFixed(0)} | ${(tTs / tWasm).toFixed(1)}x |`);
}
