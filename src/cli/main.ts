/**
 * `deeprnn train|generate|eval`. Exit codes: 0 success, 2 bad arguments, 1 any other error, 130 / 143
 * when training was interrupted by SIGINT / SIGTERM (after its checkpoint was saved). Errors are one
 * line on stderr unless --verbose; with --json stdout gets one JSON object whatever happens.
 */
import { DeepRnnError } from '../errors.js';
import type { TrainingState } from '../checkpoint/index.js';
import { LanguageModel, type LanguageModelTrainResult } from '../lm/language-model.js';
import {
  TIME_MACHINE,
  binaryShare,
  buildCorpus,
  loadText,
  loadTimeMachine,
  splitCorpus,
  type Vocab,
} from '../text/index.js';
import type { EpochEvent } from '../train/train.js';
import { curveCsv, curvePaths, curveSvg } from '../train/curve.js';
import { parseArgs, UsageError, type EvalArgs, type GenerateArgs, type TrainArgs } from './args.js';
import { Progress } from './progress.js';
import { dataFlags, resumeArgs } from './resume.js';
import { VERSION } from '../generated/version.js';

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
}

export async function main(argv: readonly string[], io: Io = process): Promise<number> {
  let verbose = argv.includes('--verbose');
  const json = argv.includes('--json');
  const print = (value: object, text: string) =>
    io.stdout.write(json ? `${JSON.stringify(value)}\n` : text.endsWith('\n') ? text : `${text}\n`);
  try {
    if (argv[0] === '--version' || argv[0] === '-V') {
      print({ version: VERSION }, `deeprnn ${VERSION}`);
      return 0;
    }
    const args = parseArgs(argv);
    if (args.command === 'help') {
      print({ help: args.text }, args.text);
      return 0;
    }
    verbose = args.verbose;
    if (args.command === 'train') return await train(args, io);
    if (args.command === 'generate') return await generate(args, io);
    return await evaluate(args, io);
  } catch (error) {
    // A bad option is a bad argument, whether the parser or the library found it.
    const exitCode = error instanceof DeepRnnError && error.code === 'E_BAD_OPTION' ? 2 : 1;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const code = error instanceof DeepRnnError ? error.code : 'E_INTERNAL';
    const tag = error instanceof DeepRnnError && !(error instanceof UsageError) ? ` [${code}]` : '';
    // Usage errors already start with 'deeprnn <command>:'.
    io.stderr.write(`${message.startsWith('deeprnn ') ? '' : 'deeprnn: '}${message}${tag}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ error: { code, message }, exitCode })}\n`);
    return exitCode;
  }
}

/** Exit status for a run stopped by a signal: 128 + its number, as shells report it. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C or SIGTERM (timeout, systemd, Docker, CI) stops training at the next step and the checkpoint
 * is saved; a repeated signal says so instead of killing the save. Call the result to stop listening.
 */
function stopOnSignals(
  controller: AbortController,
  io: Io,
  out: string,
): { signal: () => string | null; release: () => void } {
  let received: string | null = null;
  const handler = (name: string) => () => {
    if (received === null) {
      received = name;
      controller.abort();
    } else {
      io.stderr.write(`deeprnn: ${name} again: still saving the checkpoint to ${out}; it exits when that is written\n`);
    }
  };
  const names = Object.keys(SIGNAL_EXIT);
  const listeners = names.map((name) => [name, handler(name)] as const);
  for (const [name, listener] of listeners) process.on(name, listener);
  return {
    signal: () => received,
    release: () => {
      for (const [name, listener] of listeners) process.removeListener(name, listener);
    },
  };
}

interface Source {
  name: string;
  text: string;
}

/** A file that is mostly not text is warned about; one with no text at all is refused. */
const BINARY_WARNING = 0.1;

/** The --data files, or the Time Machine that ships with deeprnn when none is given. */
async function readSources(paths: string[], io: Io): Promise<Source[]> {
  if (paths.length === 0)
    return [
      {
        name: `${TIME_MACHINE.title} (d2l's ${TIME_MACHINE.file}, shipped with deeprnn)`,
        text: await loadTimeMachine(),
      },
    ];
  const sources = await Promise.all(paths.map(async (p) => ({ name: p, text: await loadText(p) })));
  for (const s of sources) {
    const share = binaryShare(s.text);
    if (share === 1)
      throw new DeepRnnError(
        'E_EMPTY_CORPUS',
        `${s.name} holds no text: every character is a control character or not UTF-8`,
      );
    if (share > BINARY_WARNING)
      io.stderr.write(
        `deeprnn: warning: ${s.name} looks binary, not text (${(share * 100).toFixed(0)}% of its characters are control characters or not UTF-8)\n`,
      );
  }
  return sources;
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
  const cut =
    used < total
      ? `the first ${fmt(used)} of ${fmt(total)} tokens (--max-tokens ${maxTokens}; 0 keeps all)`
      : `${fmt(used)} tokens`;
  return `data: ${each}; training on ${cut}\n`;
}

async function train(given: TrainArgs, io: Io): Promise<number> {
  let args = given;
  let resume: TrainingState | undefined;
  let lm: LanguageModel;
  let sources: Source[];
  if (args.resume) {
    const { loadCheckpoint } = await import('../checkpoint/index.js');
    const ckpt = await loadCheckpoint(args.resume);
    if (!ckpt.training)
      throw new DeepRnnError('E_BAD_CHECKPOINT', `${args.resume} holds no training state to resume from`);
    args = resumeArgs(args, ckpt);
    resume = ckpt.training;
    sources = await readSources(args.data, io);
    lm = await LanguageModel.fromCheckpoint(ckpt, { backend: args.backend, threads: args.threads });
  } else {
    sources = await readSources(args.data, io);
    const corpus = await buildCorpus(
      sources.map((s) => s.text),
      { preprocess: 'd2l', tokenize: 'char', maxTokens: maxTokensFor(args) || undefined },
    );
    lm = await LanguageModel.create(corpus.vocab, {
      cell: args.cell,
      nonlinearity: args.cell === 'rnn' ? args.nonlinearity : undefined,
      layers: args.layers,
      hidden: args.hidden,
      dropout: args.dropout,
      seed: args.seed,
      backend: args.backend,
      threads: args.threads,
    });
  }
  const documents = sources.map((s) => s.text);
  const maxTokens = maxTokensFor(args) || undefined;
  try {
    const corpus = await buildCorpus(documents, { vocab: lm.vocab, maxTokens });
    if (!args.json) io.stdout.write(describeData(sources, lm.vocab, corpus.tokens.length, maxTokens ?? 0));
    const split = splitCorpus(corpus.tokens, { validation: args.valFrac });
    const controller = new AbortController();
    const signals = stopOnSignals(controller, io, args.out);
    const progress = new Progress(io.stdout, args.json, resume?.epoch ?? 0);
    const history: EpochEvent[] = [];
    let result: LanguageModelTrainResult;
    try {
      result = await lm.train(split.train, {
        epochs: args.epochs,
        batchSize: args.batchSize,
        numSteps: args.numSteps,
        lr: args.lr,
        clip: args.clip,
        optimizer: args.optimizer,
        partition: args.partition,
        seed: args.seed,
        validation: split.validation.length >= 2 ? split.validation : undefined,
        signal: controller.signal,
        resume,
        extra: dataFlags(args, maxTokens ?? 0),
        onEpoch: (e) => {
          history.push(e);
          progress.epoch(e, computedOn(lm));
        },
      });
    } catch (error) {
      signals.release();
      throw error;
    } finally {
      progress.done();
    }
    try {
      await lm.save(args.out, result.training);
      const paths = curvePaths(args.out);
      const { writeFile } = await import('node:fs/promises');
      const records = result.training.history;
      await writeFile(paths.csv, curveCsv(records));
      await writeFile(
        paths.svg,
        curveSvg(records, {
          title: `${lm.config.cell.toUpperCase()} ${lm.config.layers}x${lm.config.hidden} on ${lm.backend}`,
        }),
      );
    } finally {
      signals.release();
    }
    const stoppedBy = signals.signal();
    if (result.aborted && stoppedBy !== null) {
      io.stderr.write(
        `deeprnn: interrupted by ${stoppedBy}; checkpoint saved to ${args.out} (resume with --resume ${args.out})\n`,
      );
      const { epoch, batch } = result.training;
      if (args.json)
        io.stdout.write(
          `${JSON.stringify({ interrupted: stoppedBy, checkpoint: args.out, epoch, batch, backend: lm.backend })}\n`,
        );
      return SIGNAL_EXIT[stoppedBy];
    }
    const last = history[history.length - 1];
    const samples: Record<string, string> = {};
    for (const prefix of ['time traveller', 'traveller']) samples[prefix] = await lm.predict(prefix, 50);
    const speed = history.reduce((a, e) => a + e.tokensPerSecond, 0) / Math.max(history.length, 1);
    if (args.json) {
      io.stdout.write(
        `${JSON.stringify({ perplexity: last?.trainPerplexity ?? null, valPerplexity: last?.valPerplexity ?? null, tokensPerSecond: speed, backend: lm.backend, threads: lm.threads, epochs: history.length, tokens: split.train.length, checkpoint: args.out, samples })}\n`,
      );
    } else {
      io.stdout.write(
        `perplexity ${last ? last.trainPerplexity.toFixed(1) : 'n/a'}, ${speed.toFixed(1)} tokens/sec on ${computedOn(lm)}\n`,
      );
      if (last?.valPerplexity !== undefined)
        io.stdout.write(`validation perplexity ${last.valPerplexity.toFixed(3)}\n`);
      for (const prefix of Object.keys(samples)) io.stdout.write(`${samples[prefix]}\n`);
      io.stdout.write(`checkpoint: ${args.out}\n`);
    }
    return 0;
  } finally {
    lm.dispose();
  }
}

/** 'wasm', 'wasm with 4 threads' or 'webgpu': where training ran, for the progress and summary lines. */
function computedOn(lm: LanguageModel): string {
  return lm.threads > 1 ? `${lm.backend} with ${lm.threads} threads` : lm.backend;
}

async function generate(args: GenerateArgs, io: Io): Promise<number> {
  const lm = await LanguageModel.load(args.model, { backend: args.backend, threads: args.threads });
  try {
    const options = {
      length: args.length,
      seed: args.seed,
      temperature: args.temperature,
      topK: args.topK === 0 ? undefined : args.topK,
      topP: args.topP,
    };
    if (args.json) {
      const tokens = [];
      for await (const t of lm.stream(args.prefix, options))
        tokens.push({ text: t.text, id: t.id, logProb: t.logProb });
      const text = tokens.map((t) => t.text).join('');
      io.stdout.write(`${JSON.stringify({ prefix: args.prefix, text, tokens, backend: lm.backend })}\n`);
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
  const lm = await LanguageModel.load(args.model, { backend: args.backend, threads: args.threads });
  try {
    const perplexity = await lm.evaluate(await loadText(args.data));
    io.stdout.write(
      args.json
        ? `${JSON.stringify({ perplexity, backend: lm.backend })}\n`
        : `perplexity ${perplexity.toPrecision(8)}\n`,
    );
    return 0;
  } finally {
    lm.dispose();
  }
}
