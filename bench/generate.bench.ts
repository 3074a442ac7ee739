/**
 * Generation speed against ONNX Runtime Web (issue 15): greedy generation with the state carried, one
 * character per step read back to the host, at batch 1, 8 and 32, for deeprnn's f32, f16 and int8 files
 * and for onnxruntime-web (wasm, 1 thread) running deeprnn's ONNX export of the same f32 weights. One
 * process; every round runs each (system, batch) once, the order rotated every round. Also file sizes
 * and held-out perplexity for each format.
 *
 *   npx vite-node bench/generate.bench.ts -- [--rounds 3] [--seconds 2] [--batches 1,8,32] [--cells lstm,gru]
 *                                            [--model FILE] [--quick]
 *   npm run bench -- --suite generate ...   (the same, as part of npm run bench)
 *
 * The LSTM is the trained d2l model of the tests (test/fixtures/d2l-lstm.safetensors: 2 x 256, 500 epochs
 * of d2l §9.3 on the first 10,000 characters of The Time Machine) or --model; the GRU is a fresh 2 x 256
 * model (speed does not depend on the values). Perplexity: the book's characters 10,000-40,000, which
 * the LSTM never saw.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { decodeCheckpoint, encodeCheckpoint, quantizeCheckpoint } from '../src/checkpoint/index.js';
import { checkpointToOnnx } from '../src/interop/onnx/export.js';
import { LanguageModel } from '../src/lm/language-model.js';
import { TextGenerator } from '../src/lm/text-generator.js';
import { buildCorpus } from '../src/text/index.js';
import { timeMachineText } from '../test/helpers/data.js';
import { argv, flag, fmt, load, machine, median } from './harness.js';
import { unitsPerSecond } from './rate.js';

ort.env.wasm.numThreads = 1;
const quick = argv.includes('--quick');
const rounds = Number(flag('rounds', quick ? '1' : '3'));
const seconds = Number(flag('seconds', quick ? '0.3' : '2'));
const batches = flag('batches', '1,8,32').split(',').map(Number);
const cells = flag('cells', 'lstm,gru').split(',');
const modelFile = flag('model', 'test/fixtures/d2l-lstm.safetensors');
const PREFIX = 'time traveller ';

type Format = 'f32' | 'f16' | 'int8';
const FORMATS: Format[] = ['f32', 'f16', 'int8'];

interface Runner {
  label: string;
  /** Generates `steps` characters for each of `batch` sequences; resolves when done. */
  run(batch: number, steps: number): Promise<void>;
}

async function f32Checkpoint(cell: string): Promise<Uint8Array> {
  if (cell === 'lstm' && existsSync(modelFile)) return readFileSync(modelFile);
  const corpus = await buildCorpus(timeMachineText(), { maxTokens: 10_000 });
  const lm = await LanguageModel.create(corpus.vocab, { cell: cell as 'gru', layers: 2, hidden: 256, backend: 'wasm' });
  const bytes = await lm.toBytes();
  lm.dispose();
  return bytes;
}

function deeprnnRunner(label: string, g: TextGenerator): Runner {
  return {
    label,
    async run(batch, steps) {
      if (batch === 1) {
        await g.generate(PREFIX, { length: steps, greedy: true });
        return;
      }
      await g.generate(
        Array.from({ length: batch }, () => PREFIX),
        { length: steps, greedy: true },
      );
    },
  };
}

/** ONNX Runtime's loop as a user writes it: one run per step, greedy argmax in JS, hn/cn fed back. */
async function ortRunner(
  onnx: Uint8Array,
  config: { layers: number; hidden: number; cell: string; vocabSize: number },
  prefix: Int32Array,
) {
  const session = await ort.InferenceSession.create(onnx);
  const { layers: L, hidden: H, vocabSize: V } = config;
  return {
    label: 'onnxruntime-web f32',
    async run(batch: number, steps: number) {
      const dims = [L, batch, H];
      let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(L * batch * H), dims);
      let c: ort.Tensor = new ort.Tensor('float32', new Float32Array(L * batch * H), dims);
      const lstm = config.cell === 'lstm';
      const feed = async (ids: BigInt64Array, len: number) => {
        const out = await session.run({
          input_ids: new ort.Tensor('int64', ids, [batch, len]),
          h0: h,
          ...(lstm ? { c0: c } : {}),
        });
        h = out.hn as ort.Tensor;
        if (lstm) c = out.cn as ort.Tensor;
        return out.logits.data as Float32Array;
      };
      const warm = new BigInt64Array(batch * prefix.length);
      for (let b = 0; b < batch; b++)
        for (let t = 0; t < prefix.length; t++) warm[b * prefix.length + t] = BigInt(prefix[t]);
      let logits = await feed(warm, prefix.length);
      let last = prefix.length - 1;
      const step = new BigInt64Array(batch);
      for (let i = 0; i < steps; i++) {
        for (let b = 0; b < batch; b++) {
          const row = (b * (last + 1) + last) * V;
          let best = 1;
          for (let v = 2; v < V; v++) if (logits[row + v] > logits[row + best]) best = v;
          step[b] = BigInt(best);
        }
        if (i + 1 === steps) break;
        logits = await feed(step, 1);
        last = 0;
      }
    },
  };
}

/** Characters per second: sequences x steps over one call of at least `seconds`. */
const rate = async (r: Runner, batch: number): Promise<number> =>
  batch * (await unitsPerSecond((steps) => r.run(batch, steps), 16, seconds));

const before = load();
const t0 = Date.now();
const lines: string[] = [];
const sizes: string[] = [];
let perplexity = '';
for (const cell of cells) {
  const f32 = decodeCheckpoint(await f32Checkpoint(cell));
  const files: Record<Format, Uint8Array> = {
    f32: encodeCheckpoint(f32),
    f16: encodeCheckpoint(quantizeCheckpoint(f32, 'f16')),
    int8: encodeCheckpoint(quantizeCheckpoint(f32, 'int8')),
  };
  const onnx = checkpointToOnnx(f32, 'bench');
  sizes.push(
    `| ${cell} | ${FORMATS.map((f) => `${(files[f].length / 1e6).toFixed(2)} MB`).join(' | ')} | ${(onnx.length / 1e6).toFixed(2)} MB |`,
  );
  const generators = Object.fromEntries(
    await Promise.all(FORMATS.map(async (f) => [f, await TextGenerator.load(files[f])] as const)),
  ) as Record<Format, TextGenerator>;
  if (cell === 'lstm') {
    const held = generators.f32.encode(timeMachineText()).subarray(10_000, 40_000);
    const ppl = Object.fromEntries(
      await Promise.all(FORMATS.map(async (f) => [f, await generators[f].evaluate(held)] as const)),
    ) as Record<Format, number>;
    const rel = (f: Format) => `${(100 * (ppl[f] / ppl.f32 - 1)).toFixed(3)}%`;
    perplexity = [
      `Held-out perplexity of the ${existsSync(modelFile) ? `trained d2l LSTM (${modelFile})` : 'fresh LSTM'} on characters 10,000–40,000 of The Time Machine (${held.length.toLocaleString('en-US')} tokens):`,
      '',
      '| format | perplexity | vs f32 |',
      '| --- | ---: | ---: |',
      ...FORMATS.map((f) => `| ${f} | ${ppl[f].toFixed(4)} | ${f === 'f32' ? '' : rel(f)} |`),
    ].join('\n');
  }
  const runners: Runner[] = [
    ...FORMATS.map((f) => deeprnnRunner(`deeprnn ${f}`, generators[f])),
    await ortRunner(onnx, f32.config, generators.f32.encodePiece(PREFIX)),
  ];
  const results = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    const order = runners.flatMap((run) => batches.map((b) => ({ run, b })));
    const shift = (r * 5) % order.length;
    for (const { run, b } of [...order.slice(shift), ...order.slice(0, shift)]) {
      const v = await rate(run, b);
      const key = `${run.label}@${b}`;
      results.set(key, [...(results.get(key) ?? []), v]);
      console.error(`round ${r + 1} ${cell} ${key}: ${fmt(v)} chars/s`);
    }
  }
  for (const b of batches) {
    const ortMedian = median(results.get(`onnxruntime-web f32@${b}`)!);
    for (const run of runners) {
      const v = results.get(`${run.label}@${b}`)!;
      const ratio = run.label.startsWith('onnx') ? '' : `${(median(v) / ortMedian).toFixed(2)}×`;
      lines.push(
        `| ${cell} | ${b} | ${run.label} | ${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))}) | ${ratio} |`,
      );
    }
  }
  for (const g of Object.values(generators)) g.dispose();
}

const command = `npx vite-node bench/generate.bench.ts -- ${argv.join(' ')}`.trim();
console.log(
  [
    `## Generation: deeprnn f32 / f16 / int8 against ONNX Runtime Web — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`${command}\` (${rounds} round(s), ${seconds} s a measurement, order rotated each round; ${((Date.now() - t0) / 60000).toFixed(1)} min). ${machine()[0]}; onnxruntime-web ${ort.env.versions.web} (wasm, 1 thread). Load average before: ${before}; after: ${load()}.`,
    '',
    'Greedy, state carried, every character read back to the host; chars/s = sequences × steps / time (prefix warm-up included); × ORT = deeprnn median / onnxruntime-web median at the same batch.',
    '',
    '| cell | batch | system | chars/s median (min–max) | × ORT |',
    '| --- | ---: | --- | ---: | ---: |',
    ...lines,
    '',
    '| cell | f32 | f16 | int8 | ONNX (f32) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...sizes,
    '',
    perplexity,
    '',
  ].join('\n'),
);
