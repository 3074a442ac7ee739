"""deeprnn's minibatch iterators (assembly/text/batch.ts): d2l's seq_data_iter_sequential / _random with deeprnn's
seeded offsets and shuffle, so epoch e of seed s gives the same batches here as in deeprnn.

Randomness: key = mix32(mix32(seed) ^ epoch); draw 0 picks d2l's random offset, draw i (i >= 1) is Fisher-Yates's
swap partner for position i, walking i down from the end.

Data parallelism: rank r of W holds rows [r*B/W, (r+1)*B/W) of every global batch (a contiguous shard of the
batch streams). Each rank's mean loss then weighs the same number of tokens, so the average of the ranks'
gradients (what DistributedDataParallel computes) is the gradient of the global batch's mean loss, and a run on
W ranks takes the same steps as one process on the whole batch.
"""
import torch

from .errors import DeepRnnError, check
from .rng import counter_below, mix32

PARTITIONS = ("sequential", "random")


def batches_per_epoch(n, batch, steps, partition, offset):
    left = n - offset - 1
    if left < 0:
        return 0
    return (left // steps) // batch if partition == "random" else (left // batch) // steps


def check_corpus(n, batch, steps, partition):
    """E_CORPUS_TOO_SMALL when the largest offset leaves no batch, as deeprnn refuses such a corpus."""
    check(partition in PARTITIONS, f"partition must be 'sequential' or 'random', got {partition!r}")
    largest = steps - 1 if partition == "random" else steps
    if batches_per_epoch(n, batch, steps, partition, largest) < 1:
        need = (batch + 1) * steps + (0 if partition == "random" else 1)
        raise DeepRnnError(
            "E_CORPUS_TOO_SMALL",
            f"a corpus of {n} tokens is too small for {partition} batches of {batch} x {steps} "
            f"(every epoch needs {need} tokens)",
        )


class EpochBatches:
    """One epoch's (X, Y) batches, each (rows, steps) int64, for the rows [row0, row0 + rows) of the global batch."""

    def __init__(self, corpus, batch, steps, partition, seed, epoch, rank=0, world=1):
        check(batch % world == 0, f"batch size {batch} must be a multiple of the {world} ranks")
        check_corpus(len(corpus), batch, steps, partition)
        key = mix32(mix32(seed) ^ epoch)
        sequential = partition == "sequential"
        self.offset = counter_below(key, 0, steps + 1 if sequential else steps)
        self.count = batches_per_epoch(len(corpus), batch, steps, partition, self.offset)
        self.steps, self.sequential = steps, sequential
        rows = batch // world
        self.row0, self.rows = rank * rows, rows
        n, off = len(corpus), self.offset
        if sequential:
            # batch rows of equal length; batch i is columns [i*steps, (i+1)*steps) of every row
            row_len = (n - off - 1) // batch
            self.x = corpus[off : off + batch * row_len].view(batch, row_len)[self.row0 : self.row0 + rows]
            self.y = corpus[off + 1 : off + 1 + batch * row_len].view(batch, row_len)[self.row0 : self.row0 + rows]
        else:
            subseqs = (n - off - 1) // steps
            starts = list(range(0, subseqs * steps, steps))
            for i in range(subseqs - 1, 0, -1):
                j = counter_below(key, i, i + 1)
                starts[i], starts[j] = starts[j], starts[i]
            self.starts = torch.tensor(starts[: self.count * batch], dtype=torch.int64).view(self.count, batch)
            self.corpus, self.batch = corpus, batch

    def __len__(self):
        return self.count

    def at(self, i):
        t = self.steps
        if self.sequential:
            return self.x[:, i * t : (i + 1) * t], self.y[:, i * t : (i + 1) * t]
        rows = self.starts[i, self.row0 : self.row0 + self.rows] + self.offset
        index = rows.view(-1, 1) + torch.arange(t).view(1, -1)
        return self.corpus[index], self.corpus[index + 1]

    def __iter__(self):
        return (self.at(i) for i in range(self.count))
