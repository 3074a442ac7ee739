#!/usr/bin/python3
"""The PyTorch side of test/python/torch.test.ts: runs a JSON list of tasks (argv[1]) in one process (torch
takes a second to import) and prints their results as one JSON list. Uses python/deeprnn_torch only."""
import json
import sys

import torch

import deeprnn_torch as dt
from deeprnn_torch import safetensors_io


def vocab(task):
    documents = [dt.read_text(path) for path in task["files"]]
    v, ids = dt.build_corpus(documents, "d2l", task["tokenize"])
    return {"tokens": v.tokens, "counts": v.counts, "length": len(ids)}


def perplexity(task):
    ckpt = dt.load(task["model"])
    ids = ckpt.vocab.encode(dt.read_text(task["text"]))
    return {"perplexity": dt.perplexity(ckpt.model.eval(), ids), "tokens": len(ids)}


@torch.no_grad()
def logits(task):
    ckpt = dt.load(task["model"])
    out, _ = ckpt.model.eval()(torch.tensor(task["x"]), None)
    t = ckpt.training
    return {
        "logits": out.reshape(-1).tolist(),
        "config": ckpt.model.config(),
        "seed": ckpt.seed,
        "text": ckpt.vocab.text_options(),
        "step": t.step if t else None,
        "adam": t is not None and t.adam is not None,
    }


def resave(task):
    """Loads a checkpoint and writes it again with the plain writer (byte for byte what deeprnn writes)."""
    ckpt = dt.load(task["model"])
    safetensors_io._package = None
    with open(task["out"], "wb") as f:
        f.write(dt.encode(ckpt.model, ckpt.vocab, None, ckpt.seed, ckpt.training))
    return {}


def error(task):
    """The code and message a bad checkpoint gives."""
    try:
        dt.load(task["model"])
    except dt.DeepRnnError as e:
        return {"code": e.code, "message": str(e)}
    return {"code": None}


OPS = {"vocab": vocab, "perplexity": perplexity, "logits": logits, "resave": resave, "error": error}

if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        tasks = json.load(f)
    print(json.dumps([OPS[t["op"]](t) for t in tasks]))
