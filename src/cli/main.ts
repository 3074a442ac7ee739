/**
 * `deeprnn train|generate|eval`. Exit codes: 0 success, 2 bad arguments, 1 any other error, 130 when
 * training was interrupted (after its checkpoint was saved). Errors are one line unless --verbose.
 */
import { DeepRnnError } from '../errors.js';
import { LanguageModel } from '../lm/language-model.js';
import { TIME_MACHINE, buildCorpus, loadText, loadTimeMachine, splitCorpus, type Vocab } from '../text/index.js';
import type { EpochEvent } from '../train/train.js';
import { curveCsv, curvePaths, curveSvg } from '../train/curve.js';
import { parseArgs, UsageError, type EvalArgs, type GenerateArgs, type TrainArgs } from './args.js';
import { Progress } from './progress.js';
import { dataFlags, resumeArgs } from './resume.js';

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
}

export async function main(argv: readonly string[], io: Io = process): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    const args = parseArgs(argv);
    if (args.command === 'help') {
      io.stdout.write(args.text.endsWith('\n') ? args.text : `${args.text}\n`);
      return 0;
    }
    verbose = args.verbose;
    if (args.command === 'train') return await train(args, io);
    if (args.command === 'generate') return await generate(args, io);
    return await evaluate(args, io);
  } catch (error) {
    // A bad option is a bad argument, whether the parser or the library found it.
    const code = error instanceof DeepRnnError && error.code === 'E_BAD_OPTION' ? 2 : 1;
    const message = error instanceof Error ? error.message : String(error);
    const tag = error instanceof DeepRnnError && !(error instanceof UsageError) ? ` [${error.code}]` : '';
    io.stderr.write(`deeprnn: ${message.split('\n')[0]}${tag}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return code;
  }
}

interface Source {
  name: string;
  text: string;
}

/** The --data files, or the Time Machine that ships with deeprnn when none is given. */
async function readSources(paths: string[]): Promise<Source[]> {
  if (paths.length === 0) return [{ name: `${TIME_MACHINE.title} (d2l's ${TIME_MACHINE.file}, shipped with deeprnn)`, text: await loadTimeMachine() }];
  return Promise.all(paths.map(async (p) => ({ name: p, text: await loadText(p) })));
}

/**
 * d2l's 10,000-token cut belongs to its Time Machine default; a user's own files are used whole unless
 * --max-tokens is given. 0 keeps everything.
 */
function maxTokensFor(args: TrainArgs): number {
  if (args.given.includes('max-tokens')) return args.maxTokens;
  return args.data.length === 0 ? args.maxTokens : 0;
}

/** One line saying what the run trains on, so that no cut of the data goes unnoticed. */
function describeData(sources: Source[], vocab: Vocab, used: number, maxTokens: number): string {
  const counts = sources.map((s) => vocab.encode(s.text).length);
  const total = counts.reduce((a, b) => a + b, 0);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const each = sources.map((s, i) => `${s.name} ${fmt(counts[i])} tokens`).join(', ');
  const cut = used < total ? `the first ${fmt(used)} of ${fmt(total)} tokens (--max-tokens ${maxTokens}; 0 keeps all)` : `${fmt(used)} tokens`;
  return `data: ${each}; training on ${cut}\n`;
}

async function train(given: TrainArgs, io: Io): Promise<number> {
  let args = given;
  let resume;
  let lm: LanguageModel;
  let sources: Source[];
  if (args.resume) {
    const { loadCheckpoint } = await import('../checkpoint/index.js');
    const ckpt = await loadCheckpoint(args.resume);
    if (!ckpt.training) throw new DeepRnnError('E_BAD_CHECKPOINT', `${args.resume} holds no training state to resume from`);
    args = resumeArgs(args, ckpt);
    resume = ckpt.training;
    sources = await readSources(args.data);
    lm = await LanguageModel.fromCheckpoint(ckpt, { backend: args.backend });
  } else {
    sources = await readSources(args.data);
    const corpus = await buildCorpus(sources.map((s) => s.text), { preprocess: 'd2l', tokenize: 'char', maxTokens: maxTokensFor(args) || undefined });
    lm = await LanguageModel.create(corpus.vocab, {
      cell: args.cell, nonlinearity: args.cell === 'rnn' ? args.nonlinearity : undefined, layers: args.layers,
      hidden: args.hidden, dropout: args.dropout, seed: args.seed, backend: args.backend,
    });
  }
  const documents = sources.map((s) => s.text);
  const maxTokens = maxTokensFor(args) || undefined;
  try {
    const corpus = await buildCorpus(documents, { vocab: lm.vocab, maxTokens });
    if (!args.json) io.stdout.write(describeData(sources, lm.vocab, corpus.tokens.length, maxTokens ?? 0));
    const split = splitCorpus(corpus.tokens, { validation: args.valFrac });
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    const progress = new Progress(io.stdout, args.json);
    const history: EpochEvent[] = [];
    let result;
    try {
      result = await lm.train(split.train, {
        epochs: args.epochs, batchSize: args.batchSize, numSteps: args.numSteps, lr: args.lr, clip: args.clip,
        optimizer: args.optimizer, partition: args.partition, seed: args.seed,
        validation: split.validation.length >= 2 ? split.validation : undefined,
        signal: controller.signal, resume, extra: dataFlags(args, maxTokens ?? 0),
        onEpoch: (e) => {
          history.push(e);
          progress.epoch(e, lm.backend);
        },
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
      progress.done();
    }
    await lm.save(args.out, result.training);
    const paths = curvePaths(args.out);
    const { writeFile } = await import('node:fs/promises');
    const records = result.training.history;
    await writeFile(paths.csv, curveCsv(records));
    await writeFile(paths.svg, curveSvg(records, { title: `${lm.config.cell.toUpperCase()} ${lm.config.layers}x${lm.config.hidden} on ${lm.backend}` }));
    if (result.aborted) {
      io.stderr.write(`deeprnn: interrupted; checkpoint saved to ${args.out} (resume with --resume ${args.out})\n`);
      return 130;
    }
    const last = history[history.length - 1];
    const samples: Record<string, string> = {};
    for (const prefix of ['time traveller', 'traveller']) samples[prefix] = await lm.predict(prefix, 50);
    const speed = history.reduce((a, e) => a + e.tokensPerSecond, 0) / Math.max(history.length, 1);
    if (args.json) {
      io.stdout.write(`${JSON.stringify({ perplexity: last?.trainPerplexity ?? null, valPerplexity: last?.valPerplexity ?? null, tokensPerSecond: speed, backend: lm.backend, epochs: history.length, tokens: split.train.length, checkpoint: args.out, samples })}\n`);
    } else {
      io.stdout.write(`perplexity ${last ? last.trainPerplexity.toFixed(1) : 'n/a'}, ${speed.toFixed(1)} tokens/sec on ${lm.backend}\n`);
      if (last?.valPerplexity !== undefined) io.stdout.write(`validation perplexity ${last.valPerplexity.toFixed(3)}\n`);
      for (const prefix of Object.keys(samples)) io.stdout.write(`${samples[prefix]}\n`);
      io.stdout.write(`checkpoint: ${args.out}\n`);
    }
    return 0;
  } finally {
    lm.dispose();
  }
}

async function generate(args: GenerateArgs, io: Io): Promise<number> {
  const lm = await LanguageModel.load(args.model, { backend: args.backend });
  try {
    const options = {
      length: args.length, seed: args.seed, greedy: args.temperature === 0,
      temperature: args.temperature === 0 ? 1 : args.temperature, topK: args.topK === 0 ? undefined : args.topK, topP: args.topP,
    };
    if (args.json) {
      const text = await lm.generate(args.prefix, options);
      io.stdout.write(`${JSON.stringify({ prefix: args.prefix, text, backend: lm.backend })}\n`);
      return 0;
    }
    io.stdout.write(args.prefix);
    for await (const t of lm.stream(args.prefix, options)) io.stdout.write(t.text);
    io.stdout.write('\n');
    return 0;
  } finally {
    lm.dispose();
  }
}

async function evaluate(args: EvalArgs, io: Io): Promise<number> {
  const lm = await LanguageModel.load(args.model, { backend: args.backend });
  try {
    const perplexity = await lm.evaluate(await loadText(args.data));
    io.stdout.write(args.json ? `${JSON.stringify({ perplexity, backend: lm.backend })}\n` : `perplexity ${perplexity.toPrecision(8)}\n`);
    return 0;
  } finally {
    lm.dispose();
  }
}
