// Text pipeline throughput: preprocess + tokenize + build the vocabulary + encode tinyshakespeare, in the
// WASM text core and in plain TypeScript (test/text/reference.ts, d2l written directly).
// Run: npx vite-node bench/text.bench.ts   (after npm run build:wasm && npm run build:embed)
import { cpus, loadavg } from 'node:os';
import { buildCorpusSync, loadTextCore } from '../src/text/index.js';
import type { ResolvedTokenizeOptions } from '../src/text/options.js';
import { shakespeareText } from '../test/helpers/data.js';
import { refEncode, refTokenize, refVocab } from '../test/text/reference.js';

const bytes = new TextEncoder().encode(shakespeareText()); // bench/data/tinyshakespeare.txt.gz
const MB = bytes.length / 1e6;
// WASM runs are cheap, so take many: on a shared machine the best of many is the cost of the code.
const WASM_RUNS = 40;
const TS_RUNS = 8;

/** Best and median of timed runs: on a shared machine the best is the cost, the median adds others' load. */
function time(runs: number, fn: () => unknown): { best: number; median: number } {
  for (let i = 0; i < 3; i++) fn(); // warm up the JIT (and, for WASM, the heap)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[runs >> 1] };
}

const rate = (ms: number) => (MB / (ms / 1000)).toFixed(0);

await loadTextCore();
const decoder = new TextDecoder();
const configs: ResolvedTokenizeOptions[] = [
  { preprocess: 'd2l', tokenize: 'char', newlines: false },
  { preprocess: 'd2l', tokenize: 'word', newlines: false },
  { preprocess: 'none', tokenize: 'char', newlines: true },
  { preprocess: 'none', tokenize: 'word', newlines: false },
];

console.log(
  `tinyshakespeare.txt: ${bytes.length} bytes; best / median of ${WASM_RUNS} (WASM) and ${TS_RUNS} (TypeScript) runs; MB = 10^6 bytes`,
);
console.log(
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
console.log(
  '| preprocess | tokens | count | vocab | WASM ms best / median | WASM MB/s best / median | TypeScript ms best / median | TypeScript MB/s best / median |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const o of configs) {
  const wasm = buildCorpusSync(bytes, o);
  const refTokens = refTokenize(decoder.decode(bytes), o);
  const ref = refVocab(refTokens);
  if (wasm.vocab.size !== ref.tokens.length || refEncode(refTokens, ref.tokens).join() !== wasm.tokens.join()) {
    throw new Error(`WASM and TypeScript disagree for ${JSON.stringify(o)}`);
  }
  const w = time(WASM_RUNS, () => buildCorpusSync(bytes, o));
  const t = time(TS_RUNS, () => {
    const tokens = refTokenize(decoder.decode(bytes), o);
    return refEncode(tokens, refVocab(tokens).tokens);
  });
  console.log(
    `| ${o.preprocess} | ${o.tokenize}${o.newlines ? ' + \\n' : ''} | ${wasm.tokens.length} | ${wasm.vocab.size} | ` +
      `${w.best.toFixed(1)} / ${w.median.toFixed(1)} | ${rate(w.best)} / ${rate(w.median)} | ` +
      `${t.best.toFixed(0)} / ${t.median.toFixed(0)} | ${rate(t.best)} / ${rate(t.median)} |`,
  );
}
