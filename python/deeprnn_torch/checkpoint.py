"""deeprnn checkpoints (src/checkpoint/checkpoint.ts): one safetensors file, read and written as deeprnn does.

Tensors (F32): the parameters under RNNModel's state_dict names; training checkpoints add Adam's moments
(optimizer.adam.m.<param>, optimizer.adam.v.<param>) and the carried state (state.h, state.c: (L, B, H)).
`__metadata__`: format "deeprnn", version "1", config, vocab, text, seed, and `training` in training checkpoints.
Quantized files (metadata quantization "int8" or "f16") load as f32: int8 weights w (I8) with w.scale (F32, a
scale per row) are w * scale[:, None], F16 tensors are widened.
"""
import dataclasses
import json
import os
import re
import time

import torch

from . import jsonfmt, safetensors_io
from .errors import DeepRnnError
from .model import RNNModel, check_config, parameter_shapes
from .text import UNK, Vocab, check_text_options

FORMAT, VERSION = "deeprnn", "1"
CONFIG_KEYS = ("cell", "nonlinearity", "layers", "hidden", "vocab_size", "dropout")
ADAM_M, ADAM_V = "optimizer.adam.m.", "optimizer.adam.v."
_writes = 0


def _bad(message):
    return DeepRnnError("E_BAD_CHECKPOINT", message)


@dataclasses.dataclass
class TrainingState:
    """deeprnn's TrainingState (src/checkpoint/types.ts): enough to continue a run exactly where it stopped."""

    step: int  # optimizer steps taken (Adam's t)
    epoch: int  # epochs completed
    batch: int  # batches already consumed in the epoch after `epoch`
    rng: list
    options: dict  # the run's recipe and cursor, as src/train/state.ts writes them
    history: list  # [{"epoch": int, "train_perplexity": float | None, "val_perplexity"?: ...}]
    adam: tuple = None  # ({param: m}, {param: v}) when Adam was used
    state: object = None  # carried state h, or (h, c) for LSTM, each (L, B, H); None at an epoch boundary


@dataclasses.dataclass
class Checkpoint:
    model: RNNModel
    vocab: Vocab
    seed: int = 0
    training: TrainingState = None


def encode(model, vocab, text_options=None, seed=0, training=None):
    """The bytes of a deeprnn checkpoint. `vocab` is a Vocab or the token list (index order, '<unk>' first);
    `text_options` {"preprocess", "tokenize", "newlines"?, "reserved"?} defaults to the Vocab's."""
    tokens = list(vocab.tokens if isinstance(vocab, Vocab) else vocab)
    text = _check_text(text_options if text_options is not None else vocab.text_options())
    _check_vocab(tokens, model.vocab_size, text["reserved"])
    if not (isinstance(seed, int) and 0 <= seed <= 0xFFFFFFFF):
        raise DeepRnnError("E_BAD_OPTION", f"seed must be an integer in [0, 2^32), got {seed!r}")
    names = [n for n, _ in parameter_shapes(model.cell, model.layers, model.hidden, model.vocab_size)]
    params = model.state_dict()
    tensors = {n: params[n].float() for n in names}
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "config": jsonfmt.dumps(model.config()),
        "vocab": jsonfmt.dumps(tokens),
        "text": jsonfmt.dumps(text),
        "seed": str(seed),
    }
    if training is not None:
        t = training
        fields = {"step": t.step, "epoch": t.epoch, "batch": t.batch, "rng": t.rng, "options": t.options}
        metadata["training"] = jsonfmt.dumps({**fields, "history": t.history})
        if t.adam is not None:
            tensors.update({ADAM_M + n: t.adam[0][n].float() for n in names})
            tensors.update({ADAM_V + n: t.adam[1][n].float() for n in names})
        if t.state is not None:
            h, c = t.state if isinstance(t.state, tuple) else (t.state, None)
            tensors["state.h"] = h.float()
            if c is not None:
                tensors["state.c"] = c.float()
    return safetensors_io.encode(tensors, metadata)


def save(model, vocab, text_options, path, seed=0, training=None):
    """Writes a deeprnn checkpoint atomically (see write_atomic)."""
    write_atomic(path, encode(model, vocab, text_options, seed, training), "checkpoint")


def write_atomic(path, data, what="file"):
    """Writes `data` to a temporary file beside `path`, flushes it, then renames it over `path`, so a crash
    mid-write leaves the old file or the new one, never half of one."""
    global _writes
    _writes += 1
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{time.time_ns():x}.{_writes}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any new file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise DeepRnnError("E_IO", f"cannot write {what} {path}: {e.strerror or e}") from e


def load(path, device=None):
    """The Checkpoint in a deeprnn file (deeprnn's own, or one written here); malformed files are E_BAD_CHECKPOINT."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DeepRnnError("E_IO", f"cannot read checkpoint {path}: {e.strerror or e}") from e
    try:
        return decode(data, device)
    except DeepRnnError as e:
        raise DeepRnnError(e.code, f"{path}: {e}") from e


def decode(data, device=None):
    metadata, tensors = safetensors_io.decode(data)
    if metadata.get("format", FORMAT) != FORMAT:
        raise _bad(f"metadata format is {metadata['format']!r}, expected '{FORMAT}'")
    if metadata.get("version", VERSION) != VERSION:
        raise _bad(f"unknown checkpoint format version {metadata['version']!r} (this reads version {VERSION})")
    config = _parse(metadata, "config")
    if not isinstance(config, dict):
        raise _bad("metadata config must be a JSON object")
    unknown = [k for k in config if k not in CONFIG_KEYS]
    missing = [k for k in ("cell", "layers", "hidden", "vocab_size") if k not in config]
    if unknown or missing:
        raise _bad(f"metadata config has unknown keys {unknown} or lacks {missing} (keys: {', '.join(CONFIG_KEYS)})")
    cell, layers, hidden, vocab_size = (config[k] for k in ("cell", "layers", "hidden", "vocab_size"))
    nonlinearity, dropout = config.get("nonlinearity") or "tanh", config.get("dropout") or 0.0
    # A layer has 4 tensors: bounding the layer count by the file keeps a hostile config from hanging the reader.
    if isinstance(layers, int) and layers > len(tensors):
        raise _bad(f"config says {layers} layers but the file holds only {len(tensors)} tensors")
    try:
        check_config(cell, layers, hidden, vocab_size, nonlinearity, dropout)
    except DeepRnnError as e:
        raise _bad(f"metadata config: {e}") from e
    seed = metadata.get("seed", "0")
    if not (re.fullmatch(r"[0-9]{1,10}", seed) and int(seed) <= 0xFFFFFFFF):
        raise _bad(f"metadata seed must be an integer in [0, 2^32), got {seed!r}")
    text = _check_text(_parse(metadata, "text"))
    tokens = _parse(metadata, "vocab")
    _check_vocab(tokens, vocab_size, text["reserved"])
    vocab = Vocab(tokens, **text)

    shapes = parameter_shapes(cell, layers, hidden, vocab_size)
    quantization = metadata.get("quantization")
    if quantization not in (None, "int8", "f16"):
        raise _bad(f"metadata quantization is {quantization!r}; deeprnn reads 'int8' and 'f16'")
    if quantization is not None and "training" in metadata:
        raise _bad("a quantized checkpoint cannot hold training state")
    if quantization == "int8":
        tensors = _dequantize_int8(tensors, shapes)
    known = {n for n, _ in shapes}
    for name in tensors:
        base = name[len(ADAM_M) :] if name.startswith((ADAM_M, ADAM_V)) else name
        if base not in known and name not in ("state.h", "state.c"):
            raise _bad(f"unexpected tensor '{name}' for a {layers}-layer {cell}")
        if name not in known and "training" not in metadata:
            raise _bad(f"tensor '{name}' is training state, but the file has no 'training' metadata")
    # Shapes are checked against the file before the model exists, so no config can make it allocate more.
    params = _read_dict(tensors, shapes, "", "parameter")
    model = RNNModel(cell, vocab_size, hidden, layers, nonlinearity, dropout)
    model.load_state_dict(params)
    training = _read_training(metadata, tensors, shapes, model) if "training" in metadata else None
    return Checkpoint(model.to(device) if device is not None else model, vocab, int(seed), training)


def _parse(metadata, key):
    if key not in metadata:
        raise _bad(f"metadata has no '{key}' (deeprnn needs config, vocab and text)")
    try:
        return json.loads(metadata[key])
    except json.JSONDecodeError as e:
        raise _bad(f"metadata '{key}' is not valid JSON: {e}") from None


def _check_text(text):
    if not isinstance(text, dict):
        raise _bad('text must be an object {"preprocess", "tokenize"}')
    out = {
        "preprocess": text.get("preprocess"),
        "tokenize": text.get("tokenize"),
        "newlines": text.get("newlines", False),
        "reserved": text.get("reserved", []),
    }
    try:
        check_text_options(out["preprocess"], out["tokenize"], out["newlines"])
    except DeepRnnError as e:
        raise _bad(f"text: {e}") from e
    if not isinstance(out["reserved"], list) or not all(isinstance(t, str) for t in out["reserved"]):
        raise _bad("text.reserved must be a list of strings")
    return out


def _check_vocab(tokens, vocab_size, reserved):
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise _bad("vocab must be a list of token strings")
    if len(tokens) != vocab_size:
        raise _bad(f"vocab has {len(tokens)} tokens but config vocab_size is {vocab_size}")
    if len(set(tokens)) != len(tokens):
        raise _bad("vocab has a token twice")
    if tokens[0] != UNK:
        raise _bad(f"vocab[0] must be '{UNK}', got {tokens[0]!r}")
    if tokens[1 : 1 + len(reserved)] != reserved:
        raise _bad(f"text.reserved {reserved} must be the tokens right after '{UNK}' in vocab")


def _dequantize_int8(tensors, shapes):
    """An int8 file's tensors with each weight matrix w (I8) and w.scale (F32, one per row) as w * scale."""
    out = dict(tensors)
    for name, shape in shapes:
        if len(shape) != 2:
            continue
        q, scale = out.get(name), out.pop(name + ".scale", None)
        if q is None or scale is None:
            raise _bad(f"int8 weight '{name}' or its '{name}.scale' is missing")
        if q.dtype != torch.int8 or list(q.shape) != shape:
            raise _bad(f"weight '{name}' of an int8 checkpoint must be I8 of shape {shape}")
        if scale.dtype != torch.float32 or list(scale.shape) != [shape[0]]:
            raise _bad(f"'{name}.scale' must be F32 of shape [{shape[0]}]")
        out[name] = q.float() * scale[:, None]
    return out


def _read_dict(tensors, shapes, prefix, what):
    out = {}
    for name, shape in shapes:
        t = tensors.get(prefix + name)
        if t is None:
            raise _bad(f"{what} '{prefix + name}' is missing")
        if list(t.shape) != shape:
            raise _bad(f"{what} '{prefix + name}' has shape {list(t.shape)}, the config needs {shape}")
        if t.dtype not in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
            raise _bad(f"{what} '{prefix + name}' has dtype {t.dtype}; deeprnn reads F32 (or F64, F16, BF16)")
        out[name] = t.float()
    return out


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _read_training(metadata, tensors, shapes, model):
    raw = _parse(metadata, "training")
    if not isinstance(raw, dict):
        raise _bad("metadata training must be a JSON object")
    step, epoch, batch = raw.get("step"), raw.get("epoch"), raw.get("batch", 0)
    if not (_is_count(step) and _is_count(epoch) and _is_count(batch)):
        raise _bad(f"training step, epoch and batch must be non-negative integers, got {step!r}, {epoch!r}, {batch!r}")
    options, history = raw.get("options", {}), raw.get("history", [])
    if not isinstance(options, dict) or not isinstance(history, list):
        raise _bad("training options must be an object and history a list")
    adam = None
    if any(n.startswith((ADAM_M, ADAM_V)) for n in tensors):
        adam = (_read_dict(tensors, shapes, ADAM_M, "Adam moment"), _read_dict(tensors, shapes, ADAM_V, "Adam moment"))
    state = None
    h, c = tensors.get("state.h"), tensors.get("state.c")
    if h is not None:
        if h.dim() != 3 or h.shape[0] != model.layers or h.shape[1] == 0 or h.shape[2] != model.hidden:
            raise _bad(f"state.h has shape {list(h.shape)}, expected [{model.layers}, batch, {model.hidden}]")
        if (c is not None) != (model.cell == "lstm") or (c is not None and c.shape != h.shape):
            raise _bad("state.c must be present, shaped like state.h, exactly for an LSTM")
        state = (h.float(), c.float()) if c is not None else h.float()
    elif c is not None:
        raise _bad("state.c is present without state.h")
    return TrainingState(step, epoch, batch, raw.get("rng", []), options, history, adam, state)
