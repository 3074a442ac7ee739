/**
 * `deeprnn train|generate|eval|export|quantize`. Exit codes: 0 success, 2 bad arguments, 1 any other error, 130 / 143
 * when training was interrupted by SIGINT / SIGTERM (after its checkpoint was saved). Errors are one
 * line on stderr unless --verbose; with --json stdout gets one JSON object whatever happens.
 */
import { DeepRnnError } from '../errors.js';
import type { TrainingState } from '../checkpoint/index.js';
import type { GenerateOptions } from '../lm/generate.js';
import { LanguageModel, quantizedError, type LanguageModelTrainResult } from '../lm/language-model.js';
import { buildCorpus, loadText } from '../text/index.js';
import type { EpochEvent } from '../train/train.js';
import { curveCsv, curvePaths, curveSvg } from '../train/curve.js';
import {
  parseArgs,
  UsageError,
  type EvalArgs,
  type ExportArgs,
  type GenerateArgs,
  type QuantizeArgs,
  type TrainArgs,
} from './args.js';
import { maxTokensFor, readSources, trainingData, type Source } from './data.js';
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
    if (args.command === 'export') return await exportModel(args, io);
    if (args.command === 'quantize') return await quantize(args, io);
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

async function train(given: TrainArgs, io: Io): Promise<number> {
  let args = given;
  let resume: TrainingState | undefined;
  let lm: LanguageModel;
  let sources: Source[];
  if (args.resume) {
    const { loadCheckpoint } = await import('../checkpoint/index.js');
    const ckpt = await loadCheckpoint(args.resume);
    // Before the training-state check, which would say less: such a file has none to resume.
    if (ckpt.quantization) throw quantizedError(`--resume ${args.resume}: this is`, ckpt.quantization.format);
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
      {
        preprocess: args.preprocess,
        tokenize: args.tokenize,
        minFreq: args.minFreq,
        maxTokens: maxTokensFor(args) || undefined,
      },
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
  const maxTokens = maxTokensFor(args);
  if ((args.patience > 0 || args.keepBest) && args.valFrac === 0) {
    throw new UsageError(
      `deeprnn train: --${args.patience > 0 ? 'patience' : 'keep-best'} needs held-out text: give --val-frac`,
    );
  }
  try {
    const split = trainingData(sources, lm.vocab, maxTokens, args.valFrac);
    if (!args.json) io.stdout.write(split.line);
    const validation = split.validation.map((v) => ({ name: v.name, data: v.tokens }));
    const controller = new AbortController();
    const signals = stopOnSignals(controller, io, args.out);
    const progress = new Progress(io.stdout, args.json, resume?.epoch ?? 0);
    const history: EpochEvent[] = [];
    // --keep-best: the best validation so far, the resumed run's included.
    let best = Math.min(...(resume?.history ?? []).map((r) => r.valPerplexity ?? Number.NaN).filter(Number.isFinite));
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
        validation: validation.length > 0 ? validation : undefined,
        signal: controller.signal,
        resume,
        extra: dataFlags(args, maxTokens),
        lrDecay: args.lrSchedule === 'step' ? { rate: args.lrDecay, after: args.lrDecayAfter } : undefined,
        cosine: args.lrSchedule === 'cosine' ? { minLr: args.minLr } : undefined,
        warmup: args.warmup,
        earlyStopping: args.patience > 0 ? { patience: args.patience } : undefined,
        onEpoch: async (e) => {
          history.push(e);
          progress.epoch(e, computedOn(lm));
          if (args.keepBest && e.valPerplexity !== undefined && e.valPerplexity < best) {
            best = e.valPerplexity;
            await lm.save(curvePaths(args.out).best);
          }
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
      const summary = {
        perplexity: last?.trainPerplexity ?? null,
        valPerplexity: last?.valPerplexity ?? null,
        valPerplexities: last?.valPerplexities ?? null,
        tokensPerSecond: speed,
        backend: lm.backend,
        threads: lm.threads,
        epochs: history.length,
        tokens: split.train.length,
        checkpoint: args.out,
        best: args.keepBest && Number.isFinite(best) ? curvePaths(args.out).best : null,
        stoppedEarly: result.stoppedEarly,
        samples,
      };
      io.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      io.stdout.write(
        `perplexity ${last ? last.trainPerplexity.toFixed(1) : 'n/a'}, ${speed.toFixed(1)} tokens/sec on ${computedOn(lm)}\n`,
      );
      if (last?.valPerplexity !== undefined) {
        io.stdout.write(`validation perplexity ${last.valPerplexity.toFixed(3)}\n`);
        if (split.validation.length > 1) io.stdout.write(perplexityTable(last.valPerplexities ?? {}, split.validation));
      }
      for (const prefix of Object.keys(samples)) io.stdout.write(`${samples[prefix]}\n`);
      if (result.stoppedEarly)
        io.stdout.write(`stopped early: no better validation perplexity in ${args.patience} epochs\n`);
      io.stdout.write(`checkpoint: ${args.out}\n`);
      if (args.keepBest && Number.isFinite(best))
        io.stdout.write(`best validation checkpoint: ${curvePaths(args.out).best}\n`);
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
    if (args.prefix.length > 1) return await generateBatch(lm, args, options, io);
    const [prefix] = args.prefix;
    if (args.json) {
      const tokens = [];
      for await (const t of lm.stream(prefix, options)) tokens.push({ text: t.text, id: t.id, logProb: t.logProb });
      const text = tokens.map((t) => t.text).join('');
      io.stdout.write(`${JSON.stringify({ prefix, text, tokens, backend: lm.backend })}\n`);
      return 0;
    }
    io.stdout.write(prefix);
    for await (const t of lm.stream(prefix, options)) io.stdout.write(t.text);
    io.stdout.write('\n');
    return 0;
  } finally {
    lm.dispose();
  }
}

/**
 * Several --prefix: one batch, prefix i sampling with --seed + i (so a prefix given twice gives two
 * samples), each sequence what it would be alone with that seed; a line per prefix with its continuation
 * once all are done, or with --json one object with a result per prefix.
 */
async function generateBatch(
  lm: LanguageModel,
  args: GenerateArgs,
  options: GenerateOptions & { seed: number },
  io: Io,
): Promise<number> {
  const results = args.prefix.map((prefix) => ({
    prefix,
    text: '',
    tokens: [] as Array<{ text: string; id: number; logProb: number }>,
  }));
  const each = args.prefix.map((_, i) => ({ ...options, seed: (options.seed + i) >>> 0 }));
  for await (const t of lm.stream(args.prefix, each)) {
    const r = results[t.sequence];
    r.text += t.text;
    r.tokens.push({ text: t.text, id: t.id, logProb: t.logProb });
  }
  if (args.json) io.stdout.write(`${JSON.stringify({ results, backend: lm.backend })}\n`);
  else for (const r of results) io.stdout.write(`${r.prefix}${r.text}\n`);
  return 0;
}

/** One line per source: its name, perplexity and held-out tokens. */
function perplexityTable(
  bySource: Record<string, number>,
  sources: Array<{ name: string; tokens: Int32Array }>,
): string {
  const width = Math.max(...sources.map((s) => s.name.length));
  return sources
    .map(
      (s) =>
        `  ${s.name.padEnd(width)}  ${bySource[s.name]?.toPrecision(8) ?? 'n/a'}  (${s.tokens.length.toLocaleString('en-US')} tokens)\n`,
    )
    .join('');
}

async function evaluate(args: EvalArgs, io: Io): Promise<number> {
  const lm = await LanguageModel.load(args.model, { backend: args.backend, threads: args.threads });
  try {
    // Each file is its own stream from a zero state; the whole is token-weighted over them.
    const sources = await Promise.all(
      args.data.map(async (path) => ({ name: path, tokens: lm.encode(await loadText(path)) })),
    );
    const r = await lm.evaluateSources(sources.map((s) => ({ name: s.name, data: s.tokens })));
    if (args.json) {
      io.stdout.write(`${JSON.stringify({ perplexity: r.perplexity, bySource: r.bySource, backend: lm.backend })}\n`);
    } else {
      io.stdout.write(`perplexity ${r.perplexity.toPrecision(8)}\n`);
      if (sources.length > 1) io.stdout.write(perplexityTable(r.bySource, sources));
    }
    return 0;
  } finally {
    lm.dispose();
  }
}

/** Converts without running the model: reads any format LanguageModel.load reads, writes ONNX or safetensors. */
async function exportModel(args: ExportArgs, io: Io): Promise<number> {
  const { readModelFile } = await import('../interop/read.js');
  const { encodeCheckpoint, writeFileAtomic } = await import('../checkpoint/index.js');
  const vocab = args.vocab === null ? undefined : await readVocabFile(args.vocab);
  const { training: _dropped, ...ckpt } = await readModelFile(args.model, { vocab });
  let bytes: Uint8Array;
  if (args.format === 'onnx') {
    const { checkpointToOnnx } = await import('../interop/onnx/export.js');
    bytes = checkpointToOnnx(ckpt, VERSION);
  } else {
    bytes = encodeCheckpoint(ckpt);
  }
  await writeFileAtomic(args.out, bytes, args.format === 'onnx' ? 'ONNX model' : 'checkpoint');
  const { cell, layers, hidden, vocabSize } = ckpt.config;
  io.stdout.write(
    args.json
      ? `${JSON.stringify({ out: args.out, format: args.format, bytes: bytes.length, config: ckpt.config })}\n`
      : `wrote ${args.out} (${args.format}, ${bytes.length} bytes): ${layers}-layer ${cell}, ${hidden} hidden, ${vocabSize} tokens\n`,
  );
  return 0;
}

/** Reads any format LanguageModel.load reads and writes it as an int8 or f16 checkpoint. */
async function quantize(args: QuantizeArgs, io: Io): Promise<number> {
  const { readModelFile } = await import('../interop/read.js');
  const { encodeCheckpoint, quantizeCheckpoint, writeFileAtomic } = await import('../checkpoint/index.js');
  const { training: _dropped, ...ckpt } = await readModelFile(args.model, {});
  const bytes = encodeCheckpoint(quantizeCheckpoint(ckpt, args.to));
  const f32Bytes = encodeCheckpoint(ckpt).length;
  await writeFileAtomic(args.out, bytes, 'checkpoint');
  const ratio = (f32Bytes / bytes.length).toFixed(2);
  io.stdout.write(
    args.json
      ? `${JSON.stringify({ out: args.out, to: args.to, bytes: bytes.length, f32Bytes })}\n`
      : `wrote ${args.out} (${args.to}, ${bytes.length} bytes; ${ratio}x smaller than its weights in f32, ${f32Bytes} bytes)\n`,
  );
  return 0;
}

/** --vocab FILE: a JSON array of tokens in index order. */
async function readVocabFile(path: string): Promise<string[]> {
  const text = await loadText(path);
  let tokens: unknown;
  try {
    tokens = JSON.parse(text);
  } catch (e) {
    throw new DeepRnnError('E_BAD_OPTION', `--vocab ${path} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
    throw new DeepRnnError('E_BAD_OPTION', `--vocab ${path} must hold a JSON array of tokens ('<unk>' first)`);
  return tokens;
}
