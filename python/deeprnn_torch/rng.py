"""deeprnn's counter-based random numbers (src/model/params.ts, assembly/text/rng.ts), bit for bit.

lowbias32 (Chris Wellons) mixes a 32-bit counter with a stream key, so draw i of a stream is a pure function
of (seed, i): deeprnn's initial weights and batch order come from it, and so do this package's.
"""
import torch

MASK = 0xFFFFFFFF


def mix32(x):
    x &= MASK
    x ^= x >> 16
    x = (x * 0x7FEB352D) & MASK
    x ^= x >> 15
    x = (x * 0x846CA68B) & MASK
    return x ^ (x >> 16)


def counter_below(key, index, bound):
    """Integer in [0, bound) from draw `index` of `key`'s stream (multiply-high, as deeprnn's counterBelow)."""
    return (mix32(index ^ key) * bound) >> 32


def _mul32(x, c):
    # x * c mod 2^32 for an int64 tensor x < 2^32, in two halves so that no product leaves int64.
    return (x * (c & 0xFFFF) + (((x * (c >> 16)) & 0xFFFF) << 16)) & MASK


def mix32_tensor(x):
    """mix32 of every element of an int64 tensor of uint32 values."""
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    return x ^ (x >> 16)


def counter_uniform(stream, count):
    """counterUniform(stream, i) for i in [0, count) as float64: 24 random bits, exact in float32."""
    i = torch.arange(count, dtype=torch.int64)
    return (mix32_tensor(i ^ mix32(stream)) >> 8).to(torch.float64) / 16777216.0
