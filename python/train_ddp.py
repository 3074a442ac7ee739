#!/usr/bin/python3
"""Trains a deeprnn model with PyTorch DistributedDataParallel; serve the checkpoint with `npx deeprnn generate`.

    torchrun --standalone --nproc_per_node 2 python/train_ddp.py --data book.txt --out model.safetensors
    torchrun --nnodes 4 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HOST:29400 --rdzv_id run1 \\
        python/train_ddp.py --data book.txt --batch-size 256 --out model.safetensors
    python3 python/train_ddp.py ...        # one process, the same steps

gloo on CPUs, NCCL on GPUs. Every rank reads and tokenizes the data itself (deeprnn's d2l preprocessing and
vocabulary) and takes its rows of every global batch, so N ranks take the same steps as one process on
--batch-size (which must be a multiple of N). Rank 0 writes the checkpoint atomically every --checkpoint-every
steps and at the end: a deeprnn training checkpoint, which --resume continues here (on any number of ranks)
and `npx deeprnn train --resume` continues on one machine.
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deeprnn_torch import checkpoint, jsonfmt  # noqa: E402
from deeprnn_torch.errors import DeepRnnError  # noqa: E402
from deeprnn_torch.model import RNNModel, init_parameters  # noqa: E402
from deeprnn_torch.text import build_corpus, read_text  # noqa: E402
from deeprnn_torch.training import Ranks, Trainer, new_recipe, run_from_training, tokens_hash  # noqa: E402

# Defaults for a new run; a resumed run takes them from the checkpoint (RECIPE_FLAGS: flag -> (default, recipe key)).
MODEL_FLAGS = {"cell": "lstm", "nonlinearity": "tanh", "layers": 2, "hidden": 256, "dropout": 0.0}
TEXT_FLAGS = {"preprocess": "d2l", "tokenize": "char"}
RECIPE_FLAGS = {
    "batch_size": (32, "batchSize"),
    "num_steps": (35, "numSteps"),
    "lr": (2.0, "lr"),
    "clip": (1.0, "clip"),
    "optimizer": ("sgd", "optimizer"),
    "partition": ("sequential", "partition"),
    "seed": (0, "seed"),
}


class UsageError(Exception):
    pass


def positive_int(text):
    v = int(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return v


def count(text):
    v = int(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return v


def seed(text):
    v = int(text)
    if not 0 <= v <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2^32), got {text}")
    return v


def positive_float(text):
    v = float(text)
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return v


def threshold(text):
    v = float(text)
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0 or 'inf', got {text}")
    return v


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", action="append", metavar="FILE", help="training text (.gz read as its text); repeatable")
    p.add_argument("--cell", choices=["lstm", "gru", "rnn"], help="default lstm")
    p.add_argument("--nonlinearity", choices=["tanh", "relu"], help="for --cell rnn; default tanh")
    p.add_argument("--layers", type=positive_int, help="default 2")
    p.add_argument("--hidden", type=positive_int, help="default 256")
    p.add_argument("--dropout", type=float, help="between layers, default 0")
    p.add_argument("--batch-size", type=positive_int, help="the global batch, over all ranks; default 32")
    p.add_argument("--num-steps", type=positive_int, help="time steps per batch; default 35")
    p.add_argument("--lr", type=positive_float, help="learning rate; default 2")
    p.add_argument("--clip", type=threshold, help="global L2 norm threshold ('inf' disables); default 1")
    p.add_argument("--optimizer", choices=["sgd", "adam"], help="default sgd")
    p.add_argument("--partition", choices=["sequential", "random"], help="default sequential")
    p.add_argument("--seed", type=seed, help="initial weights and batch order, as deeprnn's --seed; default 0")
    p.add_argument("--epochs", type=positive_int, default=500, help="epochs in all (a resumed run may extend)")
    p.add_argument("--max-steps", type=count, help="stop after this many optimizer steps in all")
    p.add_argument("--max-tokens", type=count, help="keep the first N tokens (0 = all, the default)")
    p.add_argument("--val-frac", type=float, help="hold out this last fraction for validation perplexity")
    p.add_argument("--preprocess", choices=["d2l", "none"], help="default d2l, as deeprnn")
    p.add_argument("--tokenize", choices=["char", "word"], help="default char")
    p.add_argument("--out", required=True, metavar="FILE", help="the checkpoint (.safetensors) rank 0 writes")
    p.add_argument("--checkpoint-every", type=count, default=0, metavar="N", help="also write it every N steps")
    p.add_argument("--resume", metavar="FILE", help="continue the run saved in this training checkpoint")
    p.add_argument("--log", metavar="FILE", help="write every step's loss and each epoch's perplexity as JSON")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--tf32", action="store_true", help="let cuDNN and matmuls use TF32 on GPUs (faster, ~1e-3 off)")
    return p.parse_args(argv)


def setup_ranks(device_choice, tf32):
    # float32 as deeprnn computes it, unless asked: cuDNN's RNNs would otherwise use TF32 on Ampere and later.
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = tf32
    cuda = torch.cuda.is_available() if device_choice == "auto" else device_choice == "cuda"
    if cuda and not torch.cuda.is_available():
        raise UsageError("--device cuda: torch sees no CUDA device")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if "WORLD_SIZE" not in os.environ:
        return Ranks(0, 1, device), None
    dist.init_process_group("nccl" if cuda else "gloo")
    return Ranks(dist.get_rank(), dist.get_world_size(), device), "nccl" if cuda else "gloo"


def agree(args, ckpt):
    """Flags not given take the checkpoint's values; a given one that differs is a UsageError naming it.
    --epochs, --max-steps, --out, --log, --checkpoint-every and the data files may differ."""
    config = ckpt.model.config()
    recipe, _ = run_from_training(ckpt.training)
    saved = {name: config[name] for name in MODEL_FLAGS}
    saved.update({name: recipe[key] for name, (_, key) in RECIPE_FLAGS.items()})
    saved["clip"] = math.inf if saved["clip"] is None else saved["clip"]
    saved.update(preprocess=ckpt.vocab.preprocess, tokenize=ckpt.vocab.tokenize)
    for name, value in saved.items():
        given = getattr(args, name)
        if given is not None and given != value:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} {given} disagrees with {args.resume}, which was trained with {value}")
        setattr(args, name, value)
    extra = recipe.get("extra", {})
    args.data = args.data or extra.get("data")
    if args.max_tokens is None:
        args.max_tokens = extra.get("maxTokens", 0)
    if args.val_frac is None:
        args.val_frac = extra.get("valFrac", 0)
    return recipe


def read_corpus(args, vocab=None):
    """The vocabulary (built from all files, or the resumed model's) and the training and validation ids, as
    deeprnn's CLI makes them: each file encoded with the vocabulary, concatenated, cut to --max-tokens, then
    the last --val-frac held out."""
    if not args.data:
        raise UsageError("--data FILE is required (repeat it for several files)")
    documents = [read_text(path) for path in args.data]
    if vocab is None:
        vocab, _ = build_corpus(documents, args.preprocess, args.tokenize)
    ids = [i for d in documents for i in vocab.encode(d)]
    if args.max_tokens:
        ids = ids[: args.max_tokens]
    held = math.floor(args.val_frac * len(ids))
    return vocab, ids[: len(ids) - held], ids[len(ids) - held :] if held >= 2 else None


def resumed_run(args, ckpt):
    """The run saved in a training checkpoint, on the same data (checked by hash, as deeprnn does)."""
    if ckpt.training is None:
        raise DeepRnnError("E_BAD_CHECKPOINT", f"{args.resume} holds no training state to resume from")
    recipe = agree(args, ckpt)
    vocab, ids, validation = read_corpus(args, ckpt.vocab)
    data = {"tokens": len(ids), "hash": tokens_hash(ids)}
    if data != recipe["data"]:
        raise DeepRnnError(
            "E_BAD_OPTION",
            f"the training data differ from the run in {args.resume} ({data}, it had {recipe['data']}): "
            "resume on the same data",
        )
    _, cursor = run_from_training(ckpt.training)
    return ckpt.model, vocab, ids, validation, recipe, cursor, ckpt.training, ckpt.seed


def new_run(args):
    for name, default in {**MODEL_FLAGS, **{n: d for n, (d, _) in RECIPE_FLAGS.items()}, **TEXT_FLAGS}.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    args.max_tokens, args.val_frac = args.max_tokens or 0, args.val_frac or 0
    vocab, ids, validation = read_corpus(args)
    model = RNNModel(args.cell, len(vocab), args.hidden, args.layers, args.nonlinearity, args.dropout)
    init_parameters(model, args.seed)
    extra = {"data": list(args.data), "maxTokens": args.max_tokens, "valFrac": args.val_frac}  # as deeprnn's CLI
    recipe = new_recipe(args, ids, extra)
    cursor = {"epoch": 0, "batch": 0, "lr": recipe["lr"], "lossSum": 0.0, "tokens": 0}
    return model, vocab, ids, validation, recipe, cursor, None, args.seed


def main(argv):
    args = parse_args(argv)
    if not (args.val_frac is None or 0 <= args.val_frac < 1):
        raise UsageError(f"--val-frac must be in [0, 1), got {args.val_frac}")
    ranks, backend = setup_ranks(args.device, args.tf32)
    say = print if ranks.rank == 0 else (lambda *a, **k: None)
    run = resumed_run(args, checkpoint.load(args.resume)) if args.resume else new_run(args)
    model, vocab, ids, validation, recipe, cursor, saved, seed = run
    if recipe["batchSize"] % ranks.world:
        raise UsageError(f"--batch-size {recipe['batchSize']} must be a multiple of the {ranks.world} ranks")
    model.to(ranks.device).train()
    net = model
    if backend is not None:  # under torchrun, even on one rank, so that one rank runs the code many do
        device_ids = [ranks.device] if backend == "nccl" else None
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    corpus = torch.tensor(ids, dtype=torch.int64)
    step, history = (saved.step, saved.history) if saved else (0, [])
    trainer = Trainer(model, net, corpus, recipe, cursor, ranks, step, history, validation)
    if saved is not None:
        if saved.adam is not None and trainer.adam is not None:
            trainer.load_adam(saved.adam)
        if cursor["batch"] > 0:
            trainer.set_state(saved.state)
    say(f"data: {len(ids):,} tokens from {len(args.data)} file(s), vocabulary of {len(vocab)}; "
        f"{ranks.world} rank(s) on {ranks.device.type}{f' ({backend})' if backend else ''}, "
        f"{recipe['batchSize'] // ranks.world} rows each")
    written = []

    def write(t):
        training = t.training_state()  # collective: every rank takes part
        if ranks.rank == 0:
            checkpoint.save(model, vocab, None, args.out, seed, training)
            written.append(t.step)

    def epoch_done(record, seconds):
        val = f" validation {record['val_perplexity']:.3f}" if "val_perplexity" in record else ""
        speed = (trainer.step - first) * recipe["batchSize"] * recipe["numSteps"] / max(seconds, 1e-9)
        say(f"epoch {record['epoch']}/{args.epochs} perplexity {record['train_perplexity']:.3f}{val} "
            f"{speed:.0f} tokens/s", flush=True)

    started, first = time.perf_counter(), trainer.step
    trainer.run(args.epochs, args.max_steps, args.checkpoint_every, write, epoch_done)
    seconds = time.perf_counter() - started
    speed = (trainer.step - first) * recipe["batchSize"] * recipe["numSteps"] / max(seconds, 1e-9)
    if trainer.history:  # d2l's closing line, as `npx deeprnn train` prints it
        done = f"perplexity {trainer.history[-1]['train_perplexity']:.1f}"
    else:
        done = f"loss {trainer.losses[-1]['loss']:.4f} at step {trainer.step}" if trainer.losses else "no step taken"
    say(f"{done}, {speed:.1f} tokens/sec on {ranks.world} rank(s); checkpoint {args.out} "
        f"(step {trainer.step}, epoch {trainer.cursor['epoch']}, batch {trainer.cursor['batch']})")
    if args.log and ranks.rank == 0:
        log = {
            "world_size": ranks.world,
            "backend": backend,
            "device": ranks.device.type,
            "tokens": len(ids),
            "vocab_size": len(vocab),
            "steps": trainer.losses,
            "history": trainer.history,
            "checkpoints": written,
        }
        checkpoint.write_atomic(args.log, (jsonfmt.dumps(log) + "\n").encode("utf-8"), "log")
    if backend:
        # Every rank waits for rank 0's writes, and the DDP wrapper (which holds the process group) goes first:
        # a rank that exited while another still held it left that one spinning in gloo at exit.
        dist.barrier()
        del trainer, net
        dist.destroy_process_group()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except UsageError as e:
        print(f"train_ddp.py: {e}", file=sys.stderr)
        sys.exit(2)
    except DeepRnnError as e:
        print(f"train_ddp.py: {e} [{e.code}]", file=sys.stderr)
        sys.exit(1)
