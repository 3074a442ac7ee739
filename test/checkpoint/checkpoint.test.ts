import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkpointFromBlob,
  checkpointToBlob,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type TrainingState,
} from '../../src/checkpoint/index.js';
import { DeepRnnError } from '../../src/errors.js';
import type { StateDict } from '../../src/model/types.js';
import {
  f32Bytes,
  filledLike,
  fixtureCheckpoint,
  joinFile,
  pyDumps,
  pyTensors,
  pythonStyleFile,
  smallCheckpoint,
  splitFile,
} from './helpers.js';

function expectBitIdentical(a: StateDict, b: StateDict): void {
  expect(Object.keys(a)).toEqual(Object.keys(b));
  for (const name of Object.keys(b)) {
    expect(a[name].shape, name).toEqual(b[name].shape);
    expect(a[name].data).toBeInstanceOf(Float32Array);
    const x = new Uint32Array(a[name].data.buffer, a[name].data.byteOffset, a[name].data.length);
    const y = new Uint32Array(b[name].data.buffer, b[name].data.byteOffset, b[name].data.length);
    expect(Array.from(x), name).toEqual(Array.from(y));
  }
}

function trainingCheckpoint(): Checkpoint {
  const ckpt = smallCheckpoint({ cell: 'lstm', layers: 2, hidden: 5, vocabSize: 9, dropout: 0.25, seed: 123456789 });
  const n = 2 * 3 * 5;
  const training: TrainingState = {
    optimizer: { step: 4321, adam: { m: filledLike(ckpt.params, 1), v: filledLike(ckpt.params, 2) } },
    epoch: 17,
    batch: 3,
    rng: [0xdeadbeef, 0, 42, 0xffffffff],
    options: {
      lr: 0.01,
      clip: 1,
      optimizer: 'adam',
      batchSize: 3,
      numSteps: 35,
      partition: 'sequential',
      lrDecay: null,
    },
    history: [
      { epoch: 1, trainPerplexity: 27.5 },
      { epoch: 2, trainPerplexity: 20.25, valPerplexity: 21.125 },
      { epoch: 3, trainPerplexity: 18, valPerplexity: NaN },
    ],
    state: {
      h: Float32Array.from({ length: n }, (_, i) => i / 7 - 2),
      c: Float32Array.from({ length: n }, (_, i) => -i / 3),
    },
  };
  return { ...ckpt, training };
}

function expectBad(bytes: Uint8Array, message: RegExp): void {
  let error: unknown;
  try {
    decodeCheckpoint(bytes);
  } catch (e) {
    error = e;
  }
  expect(error, `expected E_BAD_CHECKPOINT matching ${message}`).toBeInstanceOf(DeepRnnError);
  expect((error as DeepRnnError).code).toBe('E_BAD_CHECKPOINT');
  expect((error as DeepRnnError).message).toMatch(message);
}

/** The fixture model as a Python user writes it: params sorted by name, metadata without format/version. */
function pythonFile(
  edit: (meta: Record<string, string>, tensors: ReturnType<typeof pyTensors>) => void = () => {},
  pad = true,
): Uint8Array {
  const { ckpt, config } = fixtureCheckpoint();
  const meta: Record<string, string> = {
    text: pyDumps({ tokenize: 'char', preprocess: 'd2l' }),
    vocab: pyDumps(ckpt.vocab),
    config: pyDumps(config),
  };
  const tensors = pyTensors(ckpt.params);
  edit(meta, tensors);
  return pythonStyleFile(tensors, meta, pad);
}

describe('checkpoint round trip', () => {
  it('keeps every bit of the parameters, the config and the metadata', () => {
    const ckpt = smallCheckpoint({ cell: 'gru', layers: 3, hidden: 4, vocabSize: 7, seed: 99 });
    const w = ckpt.params['linear.bias'].data;
    const bits = new Uint32Array(w.buffer);
    bits[0] = 0x7fc01234; // NaN with a payload
    bits[1] = 0x80000000; // -0
    bits[2] = 0x00000001; // smallest denormal
    w[3] = Infinity;
    const back = decodeCheckpoint(encodeCheckpoint(ckpt));
    expect(back.config).toEqual(ckpt.config);
    expect(back.vocab).toEqual(ckpt.vocab);
    expect(back.text).toEqual({ newlines: false, reserved: [], ...ckpt.text });
    expect(back.training).toBeUndefined();
    expectBitIdentical(back.params, ckpt.params);
  });

  it('restores the training state: optimizer step, Adam moments, epoch, cursor, RNG, options, history, carried state', () => {
    const ckpt = trainingCheckpoint();
    const back = decodeCheckpoint(encodeCheckpoint(ckpt));
    expect(back.config).toEqual(ckpt.config);
    expectBitIdentical(back.params, ckpt.params);
    const t = back.training!;
    const src = ckpt.training!;
    expect(t.optimizer.step).toBe(4321);
    expectBitIdentical(t.optimizer.adam!.m, src.optimizer.adam!.m);
    expectBitIdentical(t.optimizer.adam!.v, src.optimizer.adam!.v);
    expect([t.epoch, t.batch, t.rng, t.options]).toEqual([src.epoch, src.batch, src.rng, src.options]);
    expect(t.history).toEqual(src.history);
    expect(Array.from(t.state!.h)).toEqual(Array.from(src.state!.h));
    expect(Array.from(t.state!.c!)).toEqual(Array.from(src.state!.c!));
  });

  it('round-trips an SGD training checkpoint of a GRU with no carried state', () => {
    const ckpt = smallCheckpoint({ cell: 'rnn', nonlinearity: 'relu', layers: 1, hidden: 3, vocabSize: 5 });
    ckpt.training = { optimizer: { step: 0 }, epoch: 0, batch: 0, rng: [], options: {}, history: [], state: null };
    const back = decodeCheckpoint(encodeCheckpoint(ckpt));
    expect(back.config.nonlinearity).toBe('relu');
    expect(back.training).toEqual(ckpt.training);
  });

  it('writes the documented layout: aligned header, fixed metadata schema, PyTorch names', () => {
    const { ckpt } = fixtureCheckpoint();
    const bytes = encodeCheckpoint(ckpt);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const { header } = splitFile(bytes);
    expect(header.__metadata__).toEqual({
      format: 'deeprnn',
      version: '1',
      config: '{"cell":"lstm","nonlinearity":"tanh","layers":2,"hidden":6,"vocab_size":11,"dropout":0}',
      vocab: JSON.stringify(ckpt.vocab),
      text: '{"preprocess":"d2l","tokenize":"char","newlines":false,"reserved":[]}',
      seed: '0',
    });
    expect(header['rnn.weight_ih_l0']).toEqual({ dtype: 'F32', shape: [24, 11], data_offsets: [0, 24 * 11 * 4] });
    expect(
      Object.keys(header)
        .filter((k) => k !== '__metadata__')
        .sort(),
    ).toEqual(Object.keys(ckpt.params).sort());
  });

  it('round-trips through a Blob (the browser path)', async () => {
    const ckpt = trainingCheckpoint();
    const back = await checkpointFromBlob(checkpointToBlob(ckpt));
    expectBitIdentical(back.params, ckpt.params);
    expect(back.training!.epoch).toBe(17);
  });
});

describe('files written by Python safetensors', () => {
  it('loads the PyTorch fixture parameters bit for bit, padded or not, any metadata key order', () => {
    const { ckpt } = fixtureCheckpoint();
    for (const pad of [true, false]) {
      const back = decodeCheckpoint(pythonFile(() => {}, pad));
      expectBitIdentical(back.params, ckpt.params);
      expect(back.config).toEqual({
        cell: 'lstm',
        nonlinearity: 'tanh',
        layers: 2,
        hidden: 6,
        vocabSize: 11,
        dropout: 0,
        seed: 0,
      });
      expect(back.vocab).toEqual(ckpt.vocab);
      expect(back.text).toEqual({ preprocess: 'd2l', tokenize: 'char', newlines: false, reserved: [] }); // defaults filled in
      expect(back.training).toBeUndefined();
    }
  });

  it('loads a config without nonlinearity and dropout, and a GRU fixture', () => {
    const back = decodeCheckpoint(
      pythonFile((meta) => {
        meta.config = '{"vocab_size": 11, "hidden": 6, "layers": 2, "cell": "lstm"}';
      }),
    );
    expect(back.config.dropout).toBe(0);
    const { ckpt, config } = fixtureCheckpoint('model_gru_1layer');
    const file = pythonStyleFile(pyTensors(ckpt.params), {
      config: JSON.stringify(config),
      vocab: JSON.stringify(ckpt.vocab),
      text: '{"preprocess":"none","tokenize":"word"}',
    });
    const gru = decodeCheckpoint(file);
    expectBitIdentical(gru.params, ckpt.params);
    expect(gru.text).toEqual({ preprocess: 'none', tokenize: 'word', newlines: false, reserved: [] });
  });

  it('converts F64, F16 and BF16 parameters to float32', () => {
    const { ckpt } = fixtureCheckpoint();
    const bias = ckpt.params['linear.bias'].data;
    const f64 = new Uint8Array(Float64Array.from(bias).buffer);
    const back = decodeCheckpoint(
      pythonFile((_, t) => {
        t['linear.bias'] = { dtype: 'F64', shape: [11], bytes: f64 };
      }),
    );
    expect(Array.from(back.params['linear.bias'].data)).toEqual(Array.from(bias));

    // 1, -2, 0.5, 65504 (largest half), 2^-24 (smallest half denormal), then zeros.
    const halves = new Uint16Array(11);
    halves.set([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001]);
    const f16 = decodeCheckpoint(
      pythonFile((_, t) => {
        t['linear.bias'] = { dtype: 'F16', shape: [11], bytes: new Uint8Array(halves.buffer) };
      }),
    );
    expect(Array.from(f16.params['linear.bias'].data.slice(0, 6))).toEqual([1, -2, 0.5, 65504, 2 ** -24, 0]);

    const bf = new Uint16Array(11);
    bf.set([0x3f80, 0xc040, 0x3e00]); // 1, -3, 0.125
    const bf16 = decodeCheckpoint(
      pythonFile((_, t) => {
        t['linear.bias'] = { dtype: 'BF16', shape: [11], bytes: new Uint8Array(bf.buffer) };
      }),
    );
    expect(Array.from(bf16.params['linear.bias'].data.slice(0, 4))).toEqual([1, -3, 0.125, 0]);
  });
});

describe('bad files are E_BAD_CHECKPOINT with a precise message', () => {
  const good = () => pythonFile();
  const withHeader = (edit: (h: any) => void, bytes = good()) => {
    const { header, data } = splitFile(bytes);
    edit(header);
    return joinFile(header, data);
  };
  const withMeta = (edit: (m: Record<string, string>) => void) => withHeader((h) => edit(h.__metadata__));

  it('shorter than the 8-byte header length', () => expectBad(new Uint8Array(5), /truncated: 5 bytes/));
  it('empty', () => expectBad(new Uint8Array(0), /truncated: 0 bytes/));
  it('header length larger than the file', () => {
    const bytes = good();
    new DataView(bytes.buffer).setUint32(0, bytes.length, true);
    expectBad(bytes, /header length \d+ is larger than the \d+ bytes/);
  });
  it('header length beyond 2^32', () => {
    const bytes = good();
    new DataView(bytes.buffer).setUint32(4, 1, true);
    expectBad(bytes, /header length 4294\d+ is larger/);
  });
  it('truncated inside the header', () => expectBad(good().subarray(0, 100), /header length \d+ is larger/));
  it('truncated inside the data', () => {
    const bytes = good();
    expectBad(bytes.subarray(0, bytes.length - 3), /run past the data section/);
  });
  it('trailing bytes after the last tensor', () => {
    const bytes = good();
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expectBad(longer, /data section has \d+ bytes but the tensors cover/);
  });
  it('malformed JSON', () => expectBad(joinFile(null, new Uint8Array(0), '{"a": [1, 2'), /header is not valid JSON/));
  it('header that is not an object', () =>
    expectBad(joinFile(null, new Uint8Array(0), '[1, 2, 3]  '), /must be a JSON object/));
  it('header that is not UTF-8', () => {
    const bytes = joinFile(null, new Uint8Array(0), '{"a":"xx"}');
    bytes[14] = 0xff;
    expectBad(bytes, /not valid UTF-8/);
  });
  it('offsets out of range', () =>
    expectBad(
      withHeader((h) => {
        h['linear.bias'].data_offsets = [10 ** 12, 10 ** 12 + 44];
      }),
      /'linear.bias' bytes \[1000000000000, 1000000000044\) run past the data section of \d+ bytes/,
    ));
  it('offsets past the end of the data section', () => {
    const bytes = good();
    const { header, data } = splitFile(bytes);
    const last = Object.entries(header)
      .filter(([k]) => k !== '__metadata__')
      .sort((a: any, b: any) => b[1].data_offsets[0] - a[1].data_offsets[0])[0][0];
    expectBad(
      joinFile(header, data.subarray(0, data.length - 4)),
      new RegExp(`'${last.replace('.', '\\.')}' bytes \\[\\d+, \\d+\\) run past the data section`),
    );
  });
  it('overlapping tensors', () =>
    expectBad(
      withHeader((h) => {
        h['linear.weight'].data_offsets = h['linear.weight'].data_offsets.map((o: number) => o - 4);
      }),
      /'linear.weight' bytes \[40, 304\) overlap the previous tensor, which ends at 44/,
    ));
  it('a gap between tensors', () =>
    expectBad(
      withHeader((h) => {
        h['linear.bias'].data_offsets = [h['linear.bias'].data_offsets[0] + 4, h['linear.bias'].data_offsets[1] + 4];
      }),
      /leaving a gap/,
    ));
  it('offsets not matching dtype * shape', () =>
    expectBad(
      withHeader((h) => {
        h['linear.bias'].shape = [12];
      }),
      /'linear.bias' \(F32, shape \[12\]\) needs 48 bytes but data_offsets \[\d+, \d+\] hold 44/,
    ));
  it('offsets that end before they begin', () =>
    expectBad(
      withHeader((h) => {
        h['linear.bias'].data_offsets = [44, 0];
      }),
      /end before they begin/,
    ));
  it('non-integer offsets', () =>
    expectBad(
      withHeader((h) => {
        h['linear.bias'].data_offsets = [0.5, 44];
      }),
      /data_offsets must be \[begin, end\]/,
    ));
  it('unknown dtype', () =>
    expectBad(
      withHeader((h) => {
        h['linear.bias'].dtype = 'F128';
      }),
      /'linear.bias' has unknown dtype "F128"/,
    ));
  it('a non-float dtype for a parameter', () => {
    expectBad(
      pythonFile((_, t) => {
        t['linear.bias'] = { dtype: 'I64', shape: [11], bytes: new Uint8Array(88) };
      }),
      /parameter 'linear.bias' has dtype I64/,
    );
  });
  it('a shape that does not match the config', () => {
    const { ckpt } = fixtureCheckpoint();
    expectBad(
      pythonFile((_, t) => {
        t['linear.weight'] = { dtype: 'F32', shape: [6, 11], bytes: f32Bytes(ckpt.params['linear.weight'].data) };
      }),
      /parameter 'linear.weight' has shape \[6,11\], the config needs \[11,6\]/,
    );
  });
  it('a config whose hidden size disagrees with the tensors', () =>
    expectBad(
      withMeta((m) => {
        m.config = m.config.replace('"hidden": 6', '"hidden": 7');
      }),
      /has shape \[24,11\], the config needs \[28,11\]/,
    ));
  it('a missing parameter', () =>
    expectBad(
      pythonFile((_, t) => {
        delete t['rnn.bias_hh_l1'];
      }),
      /'rnn.bias_hh_l1' is missing/,
    ));
  it('an unexpected tensor', () =>
    expectBad(
      pythonFile((_, t) => {
        t['rnn.weight_ih_l2'] = { dtype: 'F32', shape: [1], bytes: new Uint8Array(4) };
      }),
      /unexpected tensor 'rnn.weight_ih_l2'/,
    ));
  it('unknown format version', () =>
    expectBad(
      withMeta((m) => {
        m.version = '2';
      }),
      /unknown checkpoint format version '2'/,
    ));
  it('another format', () =>
    expectBad(
      withMeta((m) => {
        m.format = 'pt';
      }),
      /format is 'pt', expected 'deeprnn'/,
    ));
  it('missing vocabulary', () =>
    expectBad(
      withMeta((m) => {
        delete m.vocab;
      }),
      /metadata has no 'vocab'/,
    ));
  it('missing config', () =>
    expectBad(
      withMeta((m) => {
        delete m.config;
      }),
      /metadata has no 'config'/,
    ));
  it('missing text', () =>
    expectBad(
      withMeta((m) => {
        delete m.text;
      }),
      /metadata has no 'text'/,
    ));
  it('no metadata at all', () =>
    expectBad(
      withHeader((h) => {
        delete h.__metadata__;
      }),
      /metadata has no 'config'/,
    ));
  it('metadata values that are not strings', () =>
    expectBad(
      withMeta((m) => {
        (m as any).vocab = ['<unk>'];
      }),
      /__metadata__.vocab must be a string/,
    ));
  it('vocabulary length different from vocab_size', () =>
    expectBad(
      withMeta((m) => {
        m.vocab = JSON.stringify(JSON.parse(m.vocab).slice(1));
      }),
      /vocab has 10 tokens but config vocab_size is 11/,
    ));
  it('vocabulary without <unk> first', () =>
    expectBad(
      withMeta((m) => {
        m.vocab = JSON.stringify(JSON.parse(m.vocab).reverse());
      }),
      /vocab\[0\] must be '<unk>'/,
    ));
  it('vocabulary with a duplicate or a non-string token', () => {
    expectBad(
      withMeta((m) => {
        const v = JSON.parse(m.vocab);
        v[3] = v[2];
        m.vocab = JSON.stringify(v);
      }),
      /vocab\[3\] "b" appears twice/,
    );
    expectBad(
      withMeta((m) => {
        const v = JSON.parse(m.vocab);
        v[3] = 3;
        m.vocab = JSON.stringify(v);
      }),
      /vocab\[3\] must be a string, got 3/,
    );
  });
  it('malformed metadata JSON', () =>
    expectBad(
      withMeta((m) => {
        m.vocab = '["<unk>", "a"';
      }),
      /metadata 'vocab' is not valid JSON/,
    ));
  it('config errors', () => {
    expectBad(
      withMeta((m) => {
        m.config = m.config.replace('"lstm"', '"transformer"');
      }),
      /metadata config: cell must be 'rnn', 'gru' or 'lstm', got transformer/,
    );
    expectBad(
      withMeta((m) => {
        m.config = m.config.replace('"hidden"', '"hidden_size"');
      }),
      /unknown key 'hidden_size'/,
    );
    expectBad(
      withMeta((m) => {
        m.config = m.config.replace('"dropout": 0', '"dropout": 1.5');
      }),
      /dropout must be in \[0, 1\)/,
    );
    expectBad(
      withMeta((m) => {
        m.config = m.config.replace('"layers": 2', '"layers": 1000000000');
      }),
      /config says 1000000000 layers but the file holds only 10 tensors/,
    );
    expectBad(
      withMeta((m) => {
        m.config = '[2]';
      }),
      /config must be a JSON object/,
    );
  });
  it('text options errors', () => {
    expectBad(
      withMeta((m) => {
        m.text = '{"preprocess": "d2l", "tokenize": "bpe"}';
      }),
      /text.tokenize must be 'char' or 'word', got "bpe"/,
    );
    expectBad(
      withMeta((m) => {
        m.text = '{"tokenize": "char"}';
      }),
      /text.preprocess must be 'd2l' or 'none', got nothing/,
    );
  });
  it('a bad seed', () =>
    expectBad(
      withMeta((m) => {
        m.seed = '-1';
      }),
      /seed must be an integer in \[0, 2\^32\)/,
    ));

  describe('training state', () => {
    const train = () => encodeCheckpoint(trainingCheckpoint());
    it('training tensors without training metadata', () =>
      expectBad(
        withHeader((h) => {
          delete h.__metadata__.training;
        }, train()),
        /is training state, but the file has no 'training' metadata/,
      ));
    it('half of the Adam moments', () => {
      const ckpt = trainingCheckpoint();
      const bytes = encodeCheckpoint(ckpt);
      const { header, data } = splitFile(bytes);
      // Drop every v tensor: keep the m tensors at their offsets, cut the data after them.
      let end = 0;
      for (const k of Object.keys(header)) {
        if (k.startsWith('optimizer.adam.v.') || k.startsWith('state.')) delete header[k];
        else if (k !== '__metadata__') end = Math.max(end, header[k].data_offsets[1]);
      }
      expectBad(joinFile(header, data.subarray(0, end)), /Adam moment 'optimizer.adam.v.rnn.weight_ih_l0' is missing/);
    });
    it('a carried state of the wrong shape', () =>
      expectBad(
        withHeader((h) => {
          h['state.h'].shape = [2, 5, 3];
        }, train()),
        /state.h has shape \[2,5,3\], expected \[2, batch, 5\]/,
      ));
    it('state.c that differs from state.h', () =>
      expectBad(
        withHeader((h) => {
          h['state.c'].shape = [1, 6, 5];
        }, train()),
        /state.c has shape \[1,6,5\], expected \[2,3,5\]/,
      ));
    it('bad training fields', () => {
      expectBad(
        withHeader((h) => {
          h.__metadata__.training = h.__metadata__.training.replace('"epoch":17', '"epoch":-1');
        }, train()),
        /training epoch must be a non-negative integer, got -1/,
      );
      expectBad(
        withHeader((h) => {
          h.__metadata__.training = h.__metadata__.training.replace('"step":4321', '"step":"x"');
        }, train()),
        /training step must be a non-negative integer/,
      );
      expectBad(
        withHeader((h) => {
          h.__metadata__.training = h.__metadata__.training.replace('"rng":[', '"rng":[-5,');
        }, train()),
        /rng must be an array of uint32/,
      );
      expectBad(
        withHeader((h) => {
          h.__metadata__.training = '7';
        }, train()),
        /metadata training must be a JSON object/,
      );
    });
  });
});

describe('encodeCheckpoint refuses what it could not read back', () => {
  it('wrongly shaped parameters, a short vocabulary, a bad carried state', () => {
    const bad = (edit: (c: Checkpoint) => void, message: RegExp) => {
      const ckpt = trainingCheckpoint();
      edit(ckpt);
      expect(() => encodeCheckpoint(ckpt)).toThrow(message);
    };
    bad((c) => {
      c.params['linear.bias'] = { shape: [8], data: new Float32Array(8) };
    }, /params: 'linear.bias' has shape \[8\], expected \[9\]/);
    bad((c) => {
      c.vocab = c.vocab.slice(1);
    }, /vocab has 8 tokens but config vocab_size is 9/);
    bad((c) => {
      c.training!.state = { h: new Float32Array(7) };
    }, /carried state.h must hold/);
    bad((c) => {
      delete c.training!.state!.c;
    }, /carried state: an LSTM state needs c/);
    bad((c) => {
      c.training!.optimizer.adam!.v = {};
    }, /Adam moment v: state dict is missing/);
  });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deeprnn-ckpt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically and reads back', async () => {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old contents');
    const ckpt = trainingCheckpoint();
    await saveCheckpoint(path, ckpt);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(readFileSync(path)).toEqual(Buffer.from(encodeCheckpoint(ckpt)));
    const back = await loadCheckpoint(path);
    expectBitIdentical(back.params, ckpt.params);
  });

  it('reports I/O failures as E_IO and leaves no temporary file behind', async () => {
    await expect(loadCheckpoint(join(dir, 'missing.safetensors'))).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringMatching(/cannot read checkpoint .*missing\.safetensors/),
    });
    await expect(saveCheckpoint(join(dir, 'no-such-dir', 'x.safetensors'), trainingCheckpoint())).rejects.toMatchObject(
      { code: 'E_IO' },
    );
    const target = join(dir, 'is-a-dir');
    await import('node:fs/promises').then((fs) => fs.mkdir(target));
    await expect(saveCheckpoint(target, trainingCheckpoint())).rejects.toMatchObject({ code: 'E_IO' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps node: imports dynamic, so that browser bundles do not pull in fs', () => {
    const dir = new URL('../../src/checkpoint/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      expect(source, file).not.toMatch(/^import[^(]*['"]node:/m);
    }
  });

  it('names the file in decoding errors', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, new Uint8Array(3));
    await expect(loadCheckpoint(path)).rejects.toMatchObject({
      code: 'E_BAD_CHECKPOINT',
      message: expect.stringMatching(/bad\.safetensors: file is truncated/),
    });
  });
});
