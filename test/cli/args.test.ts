import { describe, expect, it } from 'vitest';
import {
  parseArgs,
  UsageError,
  type EvalArgs,
  type ExportArgs,
  type GenerateArgs,
  type TrainArgs,
} from '../../src/cli/args.js';
import { DeepRnnError } from '../../src/errors.js';

function usageError(argv: string[]): UsageError {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect(e).toBeInstanceOf(DeepRnnError);
    expect((e as UsageError).code).toBe('E_BAD_OPTION');
    expect((e as UsageError).exitCode).toBe(2);
    expect((e as UsageError).message).not.toContain('\n');
    return e as UsageError;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`);
}

const expectUsage = (argv: string[], message: RegExp) => expect(usageError(argv).message).toMatch(message);

describe('deeprnn train', () => {
  it('defaults to d2l §9.3', () => {
    expect(parseArgs(['train'])).toEqual({
      command: 'train',
      json: false,
      verbose: false,
      given: [],
      cell: 'lstm',
      nonlinearity: 'tanh',
      layers: 2,
      hidden: 256,
      dropout: 0,
      batchSize: 32,
      numSteps: 35,
      lr: 2,
      clip: 1,
      optimizer: 'sgd',
      epochs: 500,
      maxTokens: 10000,
      partition: 'sequential',
      seed: 0,
      backend: 'auto',
      threads: 'auto',
      data: [],
      tokenize: 'char',
      preprocess: 'd2l',
      minFreq: 1,
      valFrac: 0,
      lrSchedule: 'constant',
      lrDecay: 0.97,
      lrDecayAfter: 10,
      minLr: 0,
      warmup: 0,
      patience: 0,
      keepBest: false,
      out: 'model.safetensors',
      resume: null,
    } satisfies TrainArgs);
  });

  it('reads every flag in both forms', () => {
    const args = parseArgs([
      'train',
      '--cell',
      'rnn',
      '--nonlinearity=relu',
      '--layers',
      '3',
      '--hidden=64',
      '--dropout',
      '0.2',
      '--batch-size',
      '8',
      '--num-steps=10',
      '--lr',
      '1e-3',
      '--clip=inf',
      '--optimizer',
      'adam',
      '--epochs',
      '2',
      '--max-tokens=0',
      '--partition',
      'random',
      '--seed',
      '4294967295',
      '--backend=wasm',
      '--data',
      'a.txt',
      '--data=b.txt',
      '--tokenize',
      'word',
      '--preprocess=none',
      '--min-freq',
      '3',
      '--val-frac',
      '.1',
      '--out',
      'x/m.safetensors',
      '--resume=old.safetensors',
      '--json',
      '--verbose',
    ]) as TrainArgs;
    expect(args).toMatchObject({
      cell: 'rnn',
      nonlinearity: 'relu',
      layers: 3,
      hidden: 64,
      dropout: 0.2,
      batchSize: 8,
      numSteps: 10,
      lr: 0.001,
      clip: Infinity,
      optimizer: 'adam',
      epochs: 2,
      maxTokens: 0,
      tokenize: 'word',
      preprocess: 'none',
      minFreq: 3,
      partition: 'random',
      seed: 4294967295,
      backend: 'wasm',
      data: ['a.txt', 'b.txt'],
      valFrac: 0.1,
      out: 'x/m.safetensors',
      resume: 'old.safetensors',
      json: true,
      verbose: true,
    });
    expect(args.given).toEqual([
      'cell',
      'nonlinearity',
      'layers',
      'hidden',
      'dropout',
      'batch-size',
      'num-steps',
      'lr',
      'clip',
      'optimizer',
      'epochs',
      'max-tokens',
      'partition',
      'seed',
      'backend',
      'data',
      'tokenize',
      'preprocess',
      'min-freq',
      'val-frac',
      'out',
      'resume',
      'json',
      'verbose',
    ]);
  });

  it('takes values that start with a single dash or contain =', () => {
    expect((parseArgs(['train', '--out=a=b.safetensors']) as TrainArgs).out).toBe('a=b.safetensors');
    expect((parseArgs(['train', '--data', '-']) as TrainArgs).data).toEqual(['-']);
    expect(parseArgs(['train', '--clip', 'Infinity', '--lr', '+0.5']) as TrainArgs).toMatchObject({
      clip: Infinity,
      lr: 0.5,
    });
  });

  it('refuses unknown flags, with a suggestion', () => {
    expectUsage(['train', '--hiden', '5'], /^deeprnn train: unknown flag --hiden \(did you mean --hidden\?\)$/);
    expectUsage(['train', '--batch_size', '5'], /unknown flag --batch_size \(did you mean --batch-size\?\)/);
    expectUsage(['train', '--model', 'x'], /unknown flag --model$/);
    expectUsage(['train', '-x'], /unexpected argument '-x'/);
    expectUsage(['train', 'file.txt'], /unexpected argument 'file.txt' \(flags start with --/);
  });

  it('refuses missing values', () => {
    expectUsage(['train', '--lr'], /^deeprnn train: --lr needs a value$/);
    expectUsage(['train', '--lr', '--epochs', '3'], /--lr needs a value \(got flag '--epochs'; write --lr=VALUE/);
    expectUsage(['train', '--out='], /--out must be a non-empty string, got ''/);
    expectUsage(['train', '--json=yes'], /--json takes no value, got 'yes'/);
  });

  it('refuses non-numeric and out-of-range values, naming the range', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--layers', '0'], /--layers must be an integer in \[1, 2147483647\], got '0'/],
      [['--layers', '2.5'], /--layers must be an integer in \[1, 2147483647\], got '2.5'/],
      [['--hidden', '0x10'], /--hidden must be an integer/],
      [['--hidden', ''], /--hidden must be an integer/],
      [['--batch-size', '1e3'], /--batch-size must be an integer/],
      [['--num-steps', '-3'], /--num-steps must be an integer in \[1, /],
      [['--epochs', '99999999999'], /--epochs must be an integer in \[1, 2147483647\]/],
      [['--max-tokens', '-1'], /--max-tokens must be an integer >= 0, got '-1'/],
      [['--seed', '4294967296'], /--seed must be an integer in \[0, 4294967295\]/],
      [['--lr', '0'], /--lr must be a number > 0, got '0'/],
      [['--lr', 'fast'], /--lr must be a number > 0, got 'fast'/],
      [['--lr', 'inf'], /--lr must be a number > 0, got 'inf'/],
      [['--lr', '1e999'], /--lr must be a number > 0/],
      [['--clip', '-1'], /--clip must be a number > 0 \(or 'inf'\), got '-1'/],
      [['--clip', 'NaN'], /--clip must be a number > 0/],
      [['--dropout', '1'], /--dropout must be a number in \[0, 1\), got '1'/],
      [['--val-frac', '-0.1'], /--val-frac must be a number in \[0, 1\)/],
      [['--cell', 'transformer'], /--cell must be one of rnn, gru, lstm, got 'transformer'/],
      [['--optimizer', 'SGD'], /--optimizer must be one of sgd, adam, got 'SGD'/],
      [['--partition', 'shuffled'], /--partition must be one of sequential, random/],
      [['--backend', 'cuda'], /--backend must be one of wasm, webgpu, auto, got 'cuda'/],
    ];
    for (const [argv, message] of cases) expectUsage(['train', ...argv], message);
  });

  it('refuses a repeated flag (except --data) and relu for gated cells', () => {
    expectUsage(['train', '--lr', '1', '--lr=2'], /--lr given more than once/);
    expectUsage(['train', '--nonlinearity', 'relu'], /--nonlinearity relu applies only to --cell rnn, not lstm/);
    expect((parseArgs(['train', '--cell', 'gru', '--nonlinearity', 'tanh']) as TrainArgs).nonlinearity).toBe('tanh');
  });

  it('reports the first problem, on one line even for hostile values', () => {
    expectUsage(['train', '--lr', 'x', '--epochs', 'y'], /--lr must be/);
    expectUsage(['train', '--lr', 'a\nb'], /got 'a\\u000ab'/);
    expect(usageError(['train', '--out', 'x'.repeat(500), '--bogus']).message.length).toBeLessThan(200);
  });
});

describe('deeprnn generate', () => {
  it('needs --model and --prefix, defaults the rest', () => {
    expect(parseArgs(['generate', '--model', 'm.safetensors', '--prefix', 'time traveller'])).toEqual({
      command: 'generate',
      json: false,
      verbose: false,
      given: ['model', 'prefix'],
      model: 'm.safetensors',
      prefix: ['time traveller'],
      length: 50,
      temperature: 1,
      topK: 0,
      topP: 1,
      seed: 0,
      backend: 'wasm',
      threads: 1,
    } satisfies GenerateArgs);
    expectUsage(
      ['generate', '--prefix', 'a'],
      /^deeprnn generate: --model is required \(see deeprnn generate --help\)$/,
    );
    expectUsage(['generate', '--model', 'm'], /--prefix is required/);
  });

  it('reads the sampling flags and checks their ranges', () => {
    expect(
      parseArgs([
        'generate',
        '--model=m',
        '--prefix=-dash start',
        '--length',
        '7',
        '--temperature',
        '0',
        '--top-k',
        '5',
        '--top-p=0.9',
        '--seed',
        '3',
        '--backend',
        'webgpu',
        '--json',
      ]),
    ).toMatchObject({
      prefix: ['-dash start'],
      length: 7,
      temperature: 0,
      topK: 5,
      topP: 0.9,
      seed: 3,
      backend: 'webgpu',
      json: true,
    });
    expectUsage(['generate', '--model=m', '--prefix=a', '--length', '0'], /--length must be an integer in \[1, /);
    expectUsage(['generate', '--model=m', '--prefix=a', '--temperature', '-1'], /--temperature must be a number >= 0/);
    expectUsage(['generate', '--model=m', '--prefix=a', '--top-p', '0'], /--top-p must be a number in \(0, 1\]/);
    expectUsage(['generate', '--model=m', '--prefix=a', '--top-p', '1.5'], /--top-p must be a number in \(0, 1\]/);
    expectUsage(['generate', '--model=m', '--prefix=a', '--top-k', '-1'], /--top-k must be an integer/);
    expectUsage(['generate', '--model=m', '--prefix='], /--prefix must be a non-empty string/);
    expectUsage(['generate', '--model=m', '--prefix=a', '--epochs', '3'], /unknown flag --epochs/);
  });

  it('takes --threads N or auto on every command', () => {
    expect(parseArgs(['train', '--threads', '3'])).toMatchObject({ threads: 3 });
    expect(parseArgs(['train', '--threads=auto'])).toMatchObject({ threads: 'auto' });
    expect(parseArgs(['generate', '--model=m', '--prefix=a', '--threads', 'auto'])).toMatchObject({ threads: 'auto' });
    expect(parseArgs(['eval', '--model=m', '--data=a', '--threads', '2'])).toMatchObject({ threads: 2 });
    for (const bad of ['0', '65', '1.5', 'all', ''])
      expectUsage(['train', '--threads', bad], /--threads must be an integer in \[1, 64\] or 'auto', got /);
  });
});

describe('deeprnn eval', () => {
  it('needs --model and one or more --data', () => {
    expect(parseArgs(['eval', '--data', 'held-out.txt', '--model', 'm.safetensors', '--backend', 'wasm'])).toEqual({
      command: 'eval',
      json: false,
      verbose: false,
      given: ['data', 'model', 'backend'],
      model: 'm.safetensors',
      data: ['held-out.txt'],
      backend: 'wasm',
      threads: 1,
    } satisfies EvalArgs);
    expectUsage(['eval', '--model', 'm'], /--data is required/);
    expect(parseArgs(['eval', '--model', 'm', '--data', 'a', '--data', 'b'])).toMatchObject({ data: ['a', 'b'] });
  });
});

describe('deeprnn export', () => {
  it('needs --model and --out; --format defaults to onnx', () => {
    expect(parseArgs(['export', '--model', 'm.safetensors', '--out', 'm.onnx'])).toEqual({
      command: 'export',
      json: false,
      verbose: false,
      given: ['model', 'out'],
      model: 'm.safetensors',
      format: 'onnx',
      out: 'm.onnx',
      vocab: null,
    } satisfies ExportArgs);
    expect(
      parseArgs(['export', '--model=m.onnx', '--out=m.safetensors', '--format=safetensors', '--vocab=v.json']),
    ).toMatchObject({
      format: 'safetensors',
      vocab: 'v.json',
    });
    expectUsage(['export', '--out', 'x'], /--model is required/);
    expectUsage(
      ['export', '--model', 'm', '--out', 'x', '--format', 'tfjs'],
      /--format must be one of onnx, safetensors/,
    );
  });
});

describe('commands and help', () => {
  it('refuses a missing or unknown command', () => {
    expectUsage([], /^missing command: expected train, generate, eval/);
    expectUsage(['fit'], /^unknown command 'fit': expected train, generate, eval/);
    expectUsage(['--lr', '1'], /^unknown command '--lr'/);
    expectUsage(['help', 'fit'], /deeprnn help takes one command name/);
  });

  it('--help wins over other problems on the line', () => {
    for (const argv of [
      ['train', '--help'],
      ['train', '--lr', 'x', '--help'],
      ['train', '--bogus', '-h'],
      ['help', 'train'],
    ]) {
      expect(parseArgs(argv)).toMatchObject({ command: 'help', topic: 'train' });
    }
    expect(parseArgs(['--help'])).toMatchObject({ command: 'help', topic: null });
    expect(parseArgs(['help'])).toMatchObject({ command: 'help', topic: null });
    // As a value, -h is text.
    expect(parseArgs(['generate', '--model', 'm', '--prefix', '-h'])).toMatchObject({
      command: 'generate',
      prefix: ['-h'],
    });
  });

  it('help lists every flag with its values and default', () => {
    const train = (parseArgs(['train', '--help']) as { text: string }).text;
    expect(train).toMatch(/^Usage: deeprnn train \[options\]\n/);
    for (const line of [
      /--cell rnn\|gru\|lstm +recurrent cell \[default lstm\]/,
      /--layers N +stacked recurrent layers \[default 2\]/,
      /--hidden N .*\[default 256\]/,
      /--batch-size N .*\[default 32\]/,
      /--num-steps N .*\[default 35\]/,
      /--lr RATE .*\[default 2\]/,
      /--clip THETA .*\[default 1\]/,
      /--epochs N .*\[default 500\]/,
      /--max-tokens N .*\[default 10000\]/,
      /--partition sequential\|random .*\[default sequential\]/,
      /--backend wasm\|webgpu\|auto .*\[default auto\]/,
      /--data FILE .*\[repeatable\]/,
      /--val-frac F .*\[default 0\]/,
      /--out FILE .*\[default model.safetensors\]/,
      /--resume FILE +continue training from this checkpoint\n/,
      /--json +print one machine-readable JSON object/,
      /--verbose/,
      /--help/,
    ])
      expect(train).toMatch(line);
    const generate = (parseArgs(['generate', '-h']) as { text: string }).text;
    expect(generate).toMatch(/^Usage: deeprnn generate --model FILE --prefix TEXT \[options\]/);
    expect(generate).toMatch(/--top-p P .*\[default 1\]/);
    expect((parseArgs(['eval', '--help']) as { text: string }).text).toMatch(
      /^Usage: deeprnn eval --model FILE --data FILE \[options\]/,
    );
    const overview = (parseArgs(['--help']) as { text: string }).text;
    expect(overview).toMatch(/train +train a language model/);
    expect(overview).toMatch(/generate +continue a prefix/);
    expect(overview).toMatch(/eval +perplexity/);
    const exportHelp = (parseArgs(['export', '--help']) as { text: string }).text;
    expect(exportHelp).toMatch(/^Usage: deeprnn export --model FILE --out FILE \[options\]/);
    const quantizeHelp = (parseArgs(['quantize', '--help']) as { text: string }).text;
    expect(quantizeHelp).toMatch(/^Usage: deeprnn quantize --model FILE --to int8\|f16 --out FILE \[options\]/);
    for (const text of [train, generate, overview, exportHelp, quantizeHelp])
      for (const l of text.split('\n')) expect(l.length, l).toBeLessThanOrEqual(120);
  });
});
