// Memory of loading a checkpoint (argv[2]) and generating from it, in a fresh Node process: argv[3] is
// 'generate' (deeprnn/generate's TextGenerator) or 'full' (LanguageModel on WASM). Prints one JSON line:
// the peak of heapUsed + external (JS objects, ArrayBuffers and WASM memories: what a Worker's 128 MB
// limit counts) sampled while it loads, generates 1,000 characters and evaluates, and the peak RSS.
import { readFileSync } from 'node:fs';

const [checkpointPath, which] = process.argv.slice(2);
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const lib = which === 'full' ? await import('deeprnn') : await import('deeprnn/generate');
const before = used();
const bytes = new Uint8Array(readFileSync(checkpointPath));
const model =
  which === 'full' ? await lib.LanguageModel.load(bytes, { backend: 'wasm' }) : await lib.TextGenerator.load(bytes);
let peak = used();
let chars = 0;
for await (const t of model.stream('time traveller ', { length: 1000, seed: 1 })) {
  chars += t.text.length;
  if (chars % 100 === 0) peak = Math.max(peak, used());
}
await model.evaluate('the time machine by h g wells '.repeat(100));
peak = Math.max(peak, used());
console.log(JSON.stringify({ which, chars, before, peak, maxRSS: process.resourceUsage().maxRSS * 1024 }));
