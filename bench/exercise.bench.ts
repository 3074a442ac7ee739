/**
 * d2l §9.3's exercise "replace the LSTM by a GRU and compare the accuracy and training speed", with the
 * vanilla RNN too: 2 × 256 models trained the same number of epochs on the whole Time Machine (the last
 * 10% held out, contiguous), d2l hyperparameters (batch 32, 35 steps, SGD lr 2, clip 1, sequential
 * partitioning), on one backend. Prints a Markdown section (per-epoch training and validation perplexity,
 * tokens/s) and writes an SVG chart under bench/charts/.
 *
 *   npm run bench -- --suite exercise [--epochs 15] [--backend wasm] [--cells rnn,gru,lstm] [--lr 2] [--quick]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { timeMachineText } from '../test/helpers/data.js';
import { LanguageModel, buildCorpus, splitCorpus, type EpochEvent } from '../src/index.js';
import type { BackendName, CellType } from '../src/model/types.js';
import { lineChart } from './charts.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const quick = argv.includes('--quick');
const epochs = Number(flag('epochs', quick ? '2' : '15'));
const backend = flag('backend', 'wasm') as BackendName;
const cells = flag('cells', 'rnn,gru,lstm').split(',') as CellType[];
const lr = Number(flag('lr', '2'));
const data = process.env.DEEPRNN_BENCH_DATA;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const loadBefore = load();
const t0 = Date.now();
const corpus = await buildCorpus(data ? readFileSync(data, 'utf8') : timeMachineText(), {
  preprocess: 'd2l',
  tokenize: 'char',
  ...(quick ? { maxTokens: 20_000 } : {}),
});
const { train, validation } = splitCorpus(corpus.tokens, { validation: 0.1 });

const runs = new Map<CellType, { events: EpochEvent[]; minutes: number; sample: string }>();
for (const cell of cells) {
  const started = Date.now();
  const lm = await LanguageModel.create(corpus.vocab, { cell, layers: 2, hidden: 256, backend });
  const events: EpochEvent[] = [];
  await lm.train(train, {
    epochs,
    batchSize: 32,
    numSteps: 35,
    lr,
    clip: 1,
    validation,
    onEpoch: (e) => {
      events.push(e);
      console.error(
        `${cell} epoch ${e.epoch}: train ${e.trainPerplexity.toFixed(2)}, validation ${e.valPerplexity?.toFixed(2)}, ${Math.round(e.tokensPerSecond)} tokens/s`,
      );
    },
  });
  const sample = await lm.predict('time traveller', 50);
  lm.dispose();
  runs.set(cell, { events, minutes: (Date.now() - started) / 60000, sample });
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const name = (c: CellType) => c.toUpperCase();
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');
const lines: string[] = [];
lines.push(
  `## d2l exercise: RNN vs GRU vs LSTM (2 × 256) on the whole Time Machine — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
);
lines.push(
  `Command: \`npm run bench -- ${argv.join(' ')}\`. ${epochs} epochs each on deeprnn-${backend}: ${train.length.toLocaleString('en-US')} training tokens, ${validation.length.toLocaleString('en-US')} validation tokens (the last 10%, contiguous), batch 32, 35 steps, SGD lr ${lr}, clip 1, sequential partitioning; validation perplexity is one stream from a zero state after each epoch. ${((Date.now() - t0) / 60000).toFixed(1)} min in all. CPU: ${cpu}, ${cpus().length} cores, Node ${process.version}; load average before: ${loadBefore}; after: ${load()}.`,
  '',
);
lines.push(
  '| cell | final train ppl | final validation ppl | best validation ppl (epoch) | tokens/s (median epoch) | minutes | greedy "time traveller" |',
);
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (const [cell, r] of runs) {
  const last = r.events[r.events.length - 1];
  const best = r.events.reduce((a, e) => ((e.valPerplexity ?? Infinity) < (a.valPerplexity ?? Infinity) ? e : a));
  lines.push(
    `| ${name(cell)} | ${last.trainPerplexity.toFixed(2)} | ${last.valPerplexity?.toFixed(2)} | ${best.valPerplexity?.toFixed(2)} (${best.epoch}) | ${Math.round(median(r.events.map((e) => e.tokensPerSecond))).toLocaleString('en-US')} | ${r.minutes.toFixed(1)} | \`${r.sample}\` |`,
  );
}
lines.push('', 'Per epoch, training / validation perplexity and tokens/s:', '');
lines.push(
  `| epoch | ${[...runs.keys()].map((c) => `${name(c)} train | ${name(c)} val | ${name(c)} tokens/s`).join(' | ')} |`,
);
lines.push(`| ---: | ${[...runs.keys()].map(() => '---: | ---: | ---:').join(' | ')} |`);
for (let i = 0; i < epochs; i++) {
  lines.push(
    `| ${i + 1} | ${[...runs.values()]
      .map((r) => {
        const e = r.events[i];
        return e
          ? `${e.trainPerplexity.toFixed(2)} | ${e.valPerplexity?.toFixed(2)} | ${Math.round(e.tokensPerSecond).toLocaleString('en-US')}`
          : ' | | ';
      })
      .join(' | ')} |`,
  );
}
mkdirSync('bench/charts', { recursive: true });
const svg = `bench/charts/exercise-${stamp}.svg`;
writeFileSync(
  svg,
  lineChart(
    [...runs].flatMap(([cell, r]) => [
      {
        label: `${name(cell)} train`,
        colorKey: cell,
        points: r.events.map((e) => [e.epoch, e.trainPerplexity] as [number, number]),
      },
      {
        label: `${name(cell)} validation`,
        colorKey: cell,
        dashed: true,
        points: r.events.map((e) => [e.epoch, e.valPerplexity ?? NaN] as [number, number]),
      },
    ]),
    {
      title: `Perplexity per epoch, 2 × 256, lr ${lr}, The Time Machine (deeprnn-${backend})`,
      xLabel: 'epoch',
      yLabel: 'perplexity',
    },
  ),
);
lines.push('', `![perplexity per epoch](${svg.replace('bench/', '')})`, '');
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
