"""PyTorch as a peer in `npm run bench` (bench/compare-worker.ts starts it, one process per run).

d2l's concise model, RNNModel(nn.LSTM(vocab, H, L)) (or nn.GRU, nn.RNN), trained with train_ch8's loop:
one-hot inputs, mean cross-entropy, SGD lr 2, gradient clipping at norm 1 (d2l's grad_clipping),
sequential partitioning (d2l's seq_data_iter_sequential: a random offset per epoch, the state carried
across batches, detached, and reset each epoch). Threads: torch.set_num_threads (OMP_NUM_THREADS is
set too, for OpenBLAS's OpenMP build). Prints one `RESULT {json}` line, the fields of WorkerResult.

  python3 bench/pytorch_worker.py --tokens FILE --vocab 28 [--cell lstm] [--hidden 256] [--layers 2]
    [--threads 1] [--train-seconds 5] [--gen-seconds 2] [--epochs N] [--no-gen]

--tokens: little-endian int32 token ids. --epochs N: train N whole epochs instead (train_ch8's job) and
report the wall time. Debian's python3-torch links the reference BLAS, ~50x slower: put OpenBLAS first,
LD_LIBRARY_PATH=DIR/usr/lib/x86_64-linux-gnu/openblas-openmp (bench/compare.bench.ts --openblas DIR).
"""

import argparse
import json
import os
import random
import resource
import sys
import time

args = argparse.ArgumentParser()
args.add_argument("--tokens", required=True)
args.add_argument("--vocab", type=int, required=True)
args.add_argument("--cell", default="lstm")
args.add_argument("--hidden", type=int, default=256)
args.add_argument("--layers", type=int, default=2)
args.add_argument("--threads", type=int, default=1)
args.add_argument("--train-seconds", type=float, default=5)
args.add_argument("--gen-seconds", type=float, default=2)
args.add_argument("--epochs", type=int, default=0)
args.add_argument("--no-gen", action="store_true")
o = args.parse_args()
os.environ["OMP_NUM_THREADS"] = str(o.threads)

import torch  # noqa: E402  (after OMP_NUM_THREADS)
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

torch.set_num_threads(o.threads)
torch.manual_seed(0)
random.seed(0)
BATCH, STEPS, LR, CLIP = 32, 35, 2.0, 1.0

with open(o.tokens, "rb") as f:
    corpus = torch.frombuffer(bytearray(f.read()), dtype=torch.int32).tolist()


class RNNModel(nn.Module):
    """d2l.RNNModel (the concise implementation of section 9.6/9.3)."""

    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        self.linear = nn.Linear(self.num_hiddens, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(torch.float32)
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, batch_size=1):
        zeros = torch.zeros((self.rnn.num_layers, batch_size, self.num_hiddens))
        return (zeros, zeros.clone()) if isinstance(self.rnn, nn.LSTM) else zeros


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    """d2l.seq_data_iter_sequential."""
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset : offset + num_tokens])
    Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens])
    Xs, Ys = Xs.reshape(batch_size, -1), Ys.reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


def grad_clipping(net, theta):
    """d2l.grad_clipping."""
    params = [p for p in net.parameters() if p.requires_grad]
    norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


layer = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[o.cell](o.vocab, o.hidden, o.layers)
net = RNNModel(layer, o.vocab)
loss = nn.CrossEntropyLoss()
updater = torch.optim.SGD(net.parameters(), LR)


def batches():
    """Epoch after epoch of d2l sequential batches, flagging each epoch's first (the state resets)."""
    while True:
        first = True
        for X, Y in seq_data_iter_sequential(corpus, BATCH, STEPS):
            yield X, Y, first
            first = False


state = None


def step(X, Y, first):
    """train_epoch_ch8's body for one batch; returns the loss tensor (read back only when timing asks)."""
    global state
    if first or state is None:
        state = net.begin_state(batch_size=X.shape[0])
    elif isinstance(state, tuple):
        for s in state:
            s.detach_()
    else:
        state.detach_()
    y = Y.T.reshape(-1)
    y_hat, state = net(X, state)
    l = loss(y_hat, y.long()).mean()
    updater.zero_grad()
    l.backward()
    grad_clipping(net, CLIP)
    updater.step()
    return l


def measure_training(seconds):
    """As bench/compare-worker.ts measureTraining: a warm-up batch, then windows of k batches closed by
    a loss readback (k doubles until a window lasts 0.5 s) until `seconds` of timed training."""
    it = batches()
    first_loss = step(*next(it)).item()
    windows, total, elapsed, k, last = [], 0, 0.0, 1, float("nan")
    while elapsed < seconds or len(windows) < 2:
        t0 = time.perf_counter()
        ls = [step(*next(it)) for _ in range(k)]
        last = float(torch.stack(ls).mean().item())
        s = time.perf_counter() - t0
        windows.append(k * BATCH * STEPS / s)
        total += k * BATCH * STEPS
        elapsed += s
        if s < 0.5:
            k *= 2
    return {"trainWindows": windows, "trainTokensPerSecond": total / elapsed, "firstLoss": first_loss, "trainLoss": last}


@torch.no_grad()
def generate(prefix_ids, n):
    """d2l predict_ch8: warm up on the prefix, then n greedy steps at batch 1."""
    s = net.begin_state(batch_size=1)
    out = [prefix_ids[0]]
    for y in prefix_ids[1:]:
        _, s = net(torch.tensor([[out[-1]]]), s)
        out.append(y)
    for _ in range(n):
        y, s = net(torch.tensor([[out[-1]]]), s)
        out.append(int(y.argmax(dim=1).reshape(1)))
    return out


def rate(f, start, seconds):
    n = start
    while True:
        t0 = time.perf_counter()
        f(n)
        s = time.perf_counter() - t0
        if s >= seconds:
            return n / s
        n = int(n * min(8, seconds * 1.2 / max(s, 1e-3))) + 1


blas = "unknown"
try:
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "blas" in line}
    blas = ", ".join(sorted(os.path.basename(p) for p in libs)) or "none loaded"
except OSError:
    pass
engine = f"PyTorch {torch.__version__}, {o.threads} thread(s), BLAS: {blas}"

if o.epochs > 0:
    t0 = time.perf_counter()
    for epoch in range(o.epochs):
        state = None
        total, n = 0.0, 0
        for X, Y in seq_data_iter_sequential(corpus, BATCH, STEPS):
            l = step(X, Y, n == 0)
            total += float(l) * Y.numel()
            n += Y.numel()
    wall = time.perf_counter() - t0
    result = {"epochs": o.epochs, "wallSeconds": wall, "perplexity": float(torch.exp(torch.tensor(total / n)))}
else:
    result = measure_training(o.train_seconds)
    gen = None
    if not o.no_gen:
        prefix = corpus[:15]
        generate(prefix, 50)
        gen = rate(lambda n: generate(prefix, n), 200, o.gen_seconds)
    result["genCharsPerSecond"] = gen

result.update(
    {
        "system": "pytorch",
        "cell": o.cell,
        "hidden": o.hidden,
        "layers": o.layers,
        "threads": o.threads,
        "engine": engine,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
)
sys.stdout.write("RESULT " + json.dumps(result) + "\n")
