"""deeprnn-torch: deeprnn's model, checkpoints, text core and training loop in PyTorch (standard library + torch).

Train in PyTorch (one process, or DistributedDataParallel under torchrun: python/train_ddp.py), then serve the
checkpoint with deeprnn (`npx deeprnn generate --model ...`); or load a deeprnn checkpoint here.
"""
from .checkpoint import Checkpoint, TrainingState, decode, encode, load, save, write_atomic
from .errors import DeepRnnError
from .model import RNNModel, init_parameters, parameter_shapes, perplexity
from .text import UNK, Vocab, build_corpus, preprocess_text, read_text, tokenize_text

__all__ = [
    "Checkpoint",
    "DeepRnnError",
    "RNNModel",
    "TrainingState",
    "UNK",
    "Vocab",
    "build_corpus",
    "decode",
    "encode",
    "init_parameters",
    "load",
    "parameter_shapes",
    "perplexity",
    "preprocess_text",
    "read_text",
    "save",
    "tokenize_text",
    "write_atomic",
]
