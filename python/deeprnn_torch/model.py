"""d2l's concise RNNModel (§9.3), the model deeprnn computes: one-hot input -> nn.RNN/GRU/LSTM stack -> nn.Linear.

Its state_dict names and shapes are deeprnn's checkpoint tensors (src/model/params.ts): rnn.weight_ih_l<k>
(G*H, in_k), rnn.weight_hh_l<k> (G*H, H), rnn.bias_ih_l<k>, rnn.bias_hh_l<k> (G*H), linear.weight (V, H),
linear.bias (V), with G = 1 rnn, 3 gru (r,z,n), 4 lstm (i,f,g,o) in PyTorch's gate order.
"""
import math

import torch
from torch import nn

from .errors import check
from .rng import counter_uniform, mix32

CELLS = ("rnn", "gru", "lstm")


def gate_count(cell):
    return {"rnn": 1, "gru": 3, "lstm": 4}[cell]


def parameter_shapes(cell, layers, hidden, vocab_size):
    """Parameter names and shapes in deeprnn's (and d2l's state_dict) order."""
    g = gate_count(cell)
    shapes = []
    for k in range(layers):
        shapes += [
            (f"rnn.weight_ih_l{k}", [g * hidden, vocab_size if k == 0 else hidden]),
            (f"rnn.weight_hh_l{k}", [g * hidden, hidden]),
            (f"rnn.bias_ih_l{k}", [g * hidden]),
            (f"rnn.bias_hh_l{k}", [g * hidden]),
        ]
    return shapes + [("linear.weight", [vocab_size, hidden]), ("linear.bias", [vocab_size])]


def check_config(cell, layers, hidden, vocab_size, nonlinearity="tanh", dropout=0.0):
    check(cell in CELLS, f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    check(nonlinearity in ("tanh", "relu"), f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    check(nonlinearity == "tanh" or cell == "rnn", f"nonlinearity applies to cell 'rnn' only, got {cell!r}")
    for name, v in (("layers", layers), ("hidden", hidden), ("vocab_size", vocab_size)):
        check(isinstance(v, int) and not isinstance(v, bool) and v > 0, f"{name} must be a positive integer, got {v!r}")
    ok = isinstance(dropout, (int, float)) and not isinstance(dropout, bool) and 0 <= dropout < 1
    check(ok, f"dropout must be a number in [0, 1), got {dropout!r}")


class RNNModel(nn.Module):
    """forward(X (B, T) token ids, state) -> (logits (T*B, V) time-major as d2l, state (L, B, H) [, c])."""

    def __init__(self, cell, vocab_size, hidden, layers, nonlinearity="tanh", dropout=0.0):
        super().__init__()
        check_config(cell, layers, hidden, vocab_size, nonlinearity, dropout)
        self.cell, self.vocab_size, self.hidden, self.layers = cell, vocab_size, hidden, layers
        self.nonlinearity, self.dropout = nonlinearity, float(dropout)
        if cell == "lstm":
            self.rnn = nn.LSTM(vocab_size, hidden, layers, dropout=dropout)
        elif cell == "gru":
            self.rnn = nn.GRU(vocab_size, hidden, layers, dropout=dropout)
        else:
            self.rnn = nn.RNN(vocab_size, hidden, layers, nonlinearity=nonlinearity, dropout=dropout)
        self.linear = nn.Linear(hidden, vocab_size)

    def config(self):
        """The checkpoint's `config` metadata, in deeprnn's key order."""
        return {
            "cell": self.cell,
            "nonlinearity": self.nonlinearity,
            "layers": self.layers,
            "hidden": self.hidden,
            "vocab_size": self.vocab_size,
            "dropout": self.dropout,
        }

    def begin_state(self, batch, device=None):
        h = torch.zeros(self.layers, batch, self.hidden, device=device)
        return (h, torch.zeros_like(h)) if self.cell == "lstm" else h

    def forward(self, X, state=None):
        x = nn.functional.one_hot(X.T.long(), self.vocab_size).to(self.linear.weight.dtype)
        Y, state = self.rnn(x, state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state


def init_parameters(model, seed=0):
    """deeprnn's initial weights for `seed` (initParameters in src/model/params.ts): PyTorch's default
    uniform(-1/sqrt(H), 1/sqrt(H)), drawn from the counter stream, so both sides start from the same numbers."""
    bound = 1 / math.sqrt(model.hidden)
    stream = mix32(seed ^ 0x5EED1234)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, shape in parameter_shapes(model.cell, model.layers, model.hidden, model.vocab_size):
            values = (2 * counter_uniform(stream, math.prod(shape)) - 1) * bound
            params[name].copy_(values.to(torch.float32).reshape(shape))
            stream = mix32(stream + 1)
    return model


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


@torch.no_grad()
def perplexity(model, ids, chunk_steps=512):
    """Perplexity of a token stream as `deeprnn eval` defines it: one stream of batch 1 from a zero state,
    every next token predicted, log-softmax in float64; chunked with the state carried across chunks."""
    check(len(ids) >= 2, f"perplexity needs at least 2 tokens, got {len(ids)}", "E_CORPUS_TOO_SMALL")
    device = model.linear.weight.device
    ids = torch.as_tensor(ids, dtype=torch.int64, device=device)
    state, nll = None, 0.0
    for start in range(0, len(ids) - 1, chunk_steps):
        n = min(chunk_steps, len(ids) - 1 - start)
        logits, state = model(ids[start : start + n].reshape(1, n), state)
        logp = torch.log_softmax(logits.double(), dim=-1)
        nll -= float(logp.gather(1, ids[start + 1 : start + 1 + n].reshape(n, 1)).sum())
    return math.exp(nll / (len(ids) - 1))
