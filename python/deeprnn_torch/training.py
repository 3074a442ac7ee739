"""deeprnn's training loop (src/train/train.ts) in PyTorch, on one process or many (DistributedDataParallel).

Per epoch the batches of deeprnn's iterators for (seed, epoch); sequential partitioning carries the detached
state from batch to batch and starts each epoch from zeros, random partitioning resets it every batch. Each
step: mean cross-entropy, backward, clipping on the global L2 norm of all gradients (scale min(1, theta/norm),
norm in float64), then SGD (p -= lr*scale*g) or torch.optim.Adam on the scaled gradients.

A run is the recipe and cursor of src/train/state.ts, saved in the checkpoint's `training` metadata in deeprnn's
own form: a run started here resumes here or with `npx deeprnn train --resume`, and the other way round.
"""
import math
import time

import torch
import torch.distributed as dist
from torch import nn

from .batches import EpochBatches
from .checkpoint import TrainingState
from .errors import DeepRnnError
from .model import detach, perplexity


def tokens_hash(ids):
    """deeprnn's FNV-1a over the token ids (tokensHash in src/train/state.ts)."""
    h = 0x811C9DC5
    for t in ids:
        h = ((h ^ t) * 0x01000193) & 0xFFFFFFFF
    return h


def new_recipe(args, ids, extra):
    return {
        "batchSize": args.batch_size,
        "numSteps": args.num_steps,
        "lr": float(args.lr),
        "clip": None if math.isinf(args.clip) else float(args.clip),
        "optimizer": args.optimizer,
        "partition": args.partition,
        "seed": args.seed,
        "lrDecay": None,
        "cosine": None,
        "warmup": 0,
        "data": {"tokens": len(ids), "hash": tokens_hash(ids)},
        "extra": extra,
    }


def run_from_training(t):
    """(recipe, cursor) of a checkpoint's TrainingState; E_BAD_CHECKPOINT when src/train/state.ts did not write it."""
    recipe, cursor = t.options.get("recipe"), t.options.get("cursor")
    if not isinstance(recipe, dict) or not isinstance(cursor, dict):
        raise DeepRnnError("E_BAD_CHECKPOINT", "the checkpoint's training state has no recipe and cursor")
    need = ("batchSize", "numSteps", "lr", "clip", "optimizer", "partition", "seed", "data")
    missing = [k for k in need if k not in recipe] + [k for k in ("lr", "lossSum", "tokens") if k not in cursor]
    if missing or recipe["optimizer"] not in ("sgd", "adam") or recipe["partition"] not in ("sequential", "random"):
        raise DeepRnnError("E_BAD_CHECKPOINT", f"the checkpoint's training state is unusable (missing {missing})")
    # train_ddp.py trains at a constant rate: a scheduled run would continue on other rates.
    if recipe.get("lrDecay") is not None or recipe.get("cosine") is not None or recipe.get("warmup", 0) != 0:
        raise DeepRnnError("E_BAD_CHECKPOINT", "the run used a learning-rate schedule (lrDecay, cosine or warmup), which train_ddp.py does not implement")
    return recipe, {
        "epoch": t.epoch,
        "batch": t.batch,
        "lr": cursor["lr"],
        "lossSum": cursor["lossSum"],
        "tokens": cursor["tokens"],
    }


class Ranks:
    """This process's place among the data-parallel ranks (one rank when not launched by torchrun)."""

    def __init__(self, rank=0, world=1, device=torch.device("cpu")):
        self.rank, self.world, self.device = rank, world, device

    def mean(self, value):
        """The mean over ranks of a float (each rank's mean loss over an equal number of tokens)."""
        if self.world == 1:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t) / self.world

    def gather_rows(self, x):
        """The (L, B, H) state of the whole batch from each rank's (L, B/W, H) rows, in rank order."""
        if self.world == 1:
            return x
        parts = [torch.empty_like(x) for _ in range(self.world)]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts, dim=1)

    def rows(self, x):
        per = x.shape[1] // self.world
        return x[:, self.rank * per : (self.rank + 1) * per].contiguous()


class Trainer:
    """Trains `net` (the model or its DistributedDataParallel wrapper) over `corpus` (1-D int64) with `recipe`."""

    def __init__(self, model, net, corpus, recipe, cursor, ranks, step=0, history=(), validation=None):
        self.model, self.net, self.corpus, self.recipe, self.ranks = model, net, corpus, recipe, ranks
        self.cursor, self.step, self.history, self.validation = dict(cursor), step, list(history), validation
        self.losses, self.state = [], None
        self.params = [p for _, p in model.named_parameters()]
        self.adam = None
        if recipe["optimizer"] == "adam":
            self.adam = torch.optim.Adam(self.params, lr=recipe["lr"], betas=(0.9, 0.999), eps=1e-8)

    def load_adam(self, moments):
        m, v = moments
        for name, p in self.model.named_parameters():
            step = torch.tensor(float(self.step))
            self.adam.state[p] = {"step": step, "exp_avg": m[name].to(p.device), "exp_avg_sq": v[name].to(p.device)}

    def set_state(self, state):
        """Carried state of the whole batch (L, B, H) [, c], from a checkpoint: this rank keeps its rows."""
        def rows(s):
            return self.ranks.rows(s).to(self.ranks.device)

        if state is None:
            self.state = None
        else:
            self.state = tuple(rows(s) for s in state) if isinstance(state, tuple) else rows(state)

    def epoch_batches(self):
        r = self.recipe
        return EpochBatches(
            self.corpus, r["batchSize"], r["numSteps"], r["partition"], r["seed"], self.cursor["epoch"],
            self.ranks.rank, self.ranks.world,
        )

    def train_step(self, x, y):
        r, c = self.recipe, self.cursor
        if r["partition"] == "random" or c["batch"] == 0:
            self.state = None
        elif self.state is not None:
            self.state = detach(self.state)
        x, y = x.to(self.ranks.device), y.to(self.ranks.device)
        logits, self.state = self.net(x, self.state)
        loss = nn.functional.cross_entropy(logits, y.T.reshape(-1))
        for p in self.params:
            p.grad = None
        loss.backward()  # DistributedDataParallel averages the gradients over the ranks here
        global_loss = self.ranks.mean(float(loss))
        sum_squares = sum(float(p.grad.double().pow(2).sum()) for p in self.params)
        if not (math.isfinite(global_loss) and math.isfinite(sum_squares)):
            raise DeepRnnError(
                "E_NOT_FINITE",
                f"training loss became {global_loss} at step {self.step + 1} (gradient norm {math.sqrt(sum_squares)}): "
                "lower the learning rate or enable clipping",
            )
        norm = math.sqrt(sum_squares)
        clip = r["clip"] if r["clip"] is not None else math.inf
        scale = min(1.0, clip / norm) if norm > 0 else 1.0
        with torch.no_grad():
            if self.adam is None:
                for p in self.params:
                    p.add_(p.grad, alpha=-(c["lr"] * scale))
            else:
                for p in self.params:
                    p.grad.mul_(scale)
                self.adam.step()
        self.step += 1
        c["batch"] += 1
        tokens = r["batchSize"] * r["numSteps"]
        c["lossSum"] += global_loss * tokens
        c["tokens"] += tokens
        self.losses.append({"step": self.step, "epoch": c["epoch"] + 1, "loss": global_loss, "grad_norm": norm})

    def end_epoch(self):
        c = self.cursor
        record = {"epoch": c["epoch"] + 1, "train_perplexity": math.exp(c["lossSum"] / c["tokens"])}
        if self.validation is not None and self.ranks.rank == 0:
            self.model.eval()
            record["val_perplexity"] = perplexity(self.model, self.validation)
            self.model.train()
        self.history.append(record)
        c.update(epoch=c["epoch"] + 1, batch=0, lossSum=0.0, tokens=0)
        return record

    def run(self, epochs, max_steps=None, every=0, on_checkpoint=None, on_epoch=None):
        """Trains until `epochs` epochs (in all) or `max_steps` optimizer steps (in all); calls on_checkpoint every
        `every` steps and at the end (on every rank: gathering the state is collective)."""
        started = time.perf_counter()
        while self.cursor["epoch"] < epochs and (max_steps is None or self.step < max_steps):
            batches = self.epoch_batches()
            for i in range(self.cursor["batch"], len(batches)):
                if max_steps is not None and self.step >= max_steps:
                    break
                self.train_step(*batches.at(i))
                if every and self.step % every == 0 and on_checkpoint:
                    on_checkpoint(self)
            else:
                record = self.end_epoch()
                if on_epoch:
                    on_epoch(record, time.perf_counter() - started)
        if on_checkpoint:
            on_checkpoint(self)

    def training_state(self):
        """The run as deeprnn's TrainingState (collective: gathers the carried state of every rank)."""
        state = None
        if self.cursor["batch"] > 0 and self.state is not None:
            s = self.state
            state = tuple(self.ranks.gather_rows(t) for t in s) if isinstance(s, tuple) else self.ranks.gather_rows(s)
        adam = None
        if self.adam is not None:
            m, v = {}, {}
            for name, p in self.model.named_parameters():
                st = self.adam.state.get(p, {})
                m[name] = st.get("exp_avg", torch.zeros_like(p)).detach().cpu()
                v[name] = st.get("exp_avg_sq", torch.zeros_like(p)).detach().cpu()
            adam = (m, v)
        c = self.cursor
        options = {
            "recipe": self.recipe,
            "cursor": {"lr": c["lr"], "lossSum": c["lossSum"], "tokens": c["tokens"]},
        }
        if state is not None:
            state = tuple(t.cpu() for t in state) if isinstance(state, tuple) else state.cpu()
        seed = self.recipe["seed"]
        return TrainingState(self.step, c["epoch"], c["batch"], [seed], options, list(self.history), adam, state)
