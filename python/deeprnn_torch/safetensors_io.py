"""The safetensors format: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape,
data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data section the offsets index.

The `safetensors` package is used when it is installed; otherwise this plain reader and writer, which follow
deeprnn's (src/checkpoint/safetensors.ts): the writer puts `__metadata__` first, the tensors in the given order,
and pads the compact JSON header with spaces so that the data starts 8-byte aligned; the reader checks what the
reference implementation checks (tensors tile the data section exactly, byte ranges match dtype and shape).
"""
import json
import sys

import torch

from .errors import DeepRnnError

try:  # optional: the reference implementation, when installed
    import safetensors.torch as _package
except ImportError:
    _package = None

# dtype name -> (torch dtype, bytes per element); the unsigned wider types have no torch 1.x dtype.
DTYPES = {
    "BOOL": (torch.bool, 1),
    "U8": (torch.uint8, 1),
    "I8": (torch.int8, 1),
    "I16": (torch.int16, 2),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I32": (torch.int32, 4),
    "F32": (torch.float32, 4),
    "F64": (torch.float64, 8),
    "I64": (torch.int64, 8),
}
NAMES = {dtype: name for name, (dtype, _) in DTYPES.items()}
KNOWN = set(DTYPES) | {"U16", "U32", "U64", "F8_E5M2", "F8_E4M3"}
MAX_HEADER_BYTES = 100_000_000


def _bad(message):
    return DeepRnnError("E_BAD_CHECKPOINT", message)


def _check_little_endian():
    if sys.byteorder != "little":
        raise DeepRnnError("E_BAD_OPTION", "deeprnn-torch reads and writes safetensors on little-endian machines only")


def encode(tensors, metadata):
    """The bytes of a safetensors file holding `tensors` (name -> tensor, in order) and `metadata` (str -> str)."""
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise _bad(f"metadata must map strings to strings, got {k!r}: {type(v).__name__}")
    flat = {}
    for name, t in tensors.items():
        if name == "__metadata__":
            raise _bad("a tensor cannot be named '__metadata__'")
        if t.dtype not in NAMES:
            raise _bad(f"tensor '{name}' has dtype {t.dtype}, which safetensors cannot hold here")
        flat[name] = t.detach().cpu().contiguous()
    if _package is not None:
        return _package.save(flat, metadata or None)
    return encode_plain(flat, metadata)


def encode_plain(tensors, metadata):
    """encode() without the `safetensors` package: byte for byte what deeprnn writes for the same input."""
    _check_little_endian()
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = dict(metadata)
    for name, t in tensors.items():
        size = t.numel() * t.element_size()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    length = (len(text) + 7) // 8 * 8
    out = bytearray(8 + length + offset)
    out[0:8] = length.to_bytes(8, "little")
    out[8 : 8 + length] = text + b" " * (length - len(text))
    at = 8 + length
    for t in tensors.values():
        size = t.numel() * t.element_size()
        if size > 0:
            view = torch.frombuffer(out, dtype=torch.uint8, offset=at, count=size)
            view.copy_(t.reshape(-1).view(torch.uint8))
        at += size
    return bytes(out)


def decode(data):
    """(metadata, {name: tensor}) of a safetensors file's bytes, tensors in data-section order, each owning its
    memory. Anything malformed is DeepRnnError E_BAD_CHECKPOINT."""
    header, start = _read_header(data)
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _bad("__metadata__ must be an object of strings")
    entries = sorted((_tensor_info(name, info) for name, info in header.items()), key=lambda e: (e[3], e[4]))
    size, expected = len(data) - start, 0
    for name, _, _, begin, end in entries:
        if end > size:
            raise _bad(f"tensor '{name}' bytes [{begin}, {end}) run past the data section of {size} bytes (truncated?)")
        if begin != expected:
            how = "overlap the previous tensor" if begin < expected else "leave a gap after byte"
            raise _bad(f"tensor '{name}' bytes [{begin}, {end}) {how} {expected} of the data section")
        expected = end
    if expected != size:
        raise _bad(f"data section has {size} bytes but the tensors cover {expected}")
    if _package is not None:
        loaded = _package.load(bytes(data))
        return metadata, {name: loaded[name] for name, *_ in entries}
    _check_little_endian()
    buf = bytearray(data)
    tensors = {}
    for name, dtype, shape, begin, end in entries:
        torch_dtype, width = DTYPES[dtype]
        if end == begin:
            tensors[name] = torch.empty(shape, dtype=torch_dtype)
        else:
            view = torch.frombuffer(buf, dtype=torch_dtype, offset=start + begin, count=(end - begin) // width)
            tensors[name] = view.reshape(shape).clone()
    return metadata, tensors


def _read_header(data):
    if len(data) < 8:
        raise _bad(f"file is truncated: {len(data)} bytes, the header length alone takes 8")
    length = int.from_bytes(data[:8], "little")
    if length > len(data) - 8:
        raise _bad(f"header length {length} is larger than the {len(data) - 8} bytes that follow it (not safetensors?)")
    if length > MAX_HEADER_BYTES:
        raise _bad(f"header length {length} exceeds the limit of {MAX_HEADER_BYTES} bytes")
    try:
        text = bytes(data[8 : 8 + length]).decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("header is not valid UTF-8") from None
    if not text.startswith("{"):
        raise _bad(f"header must be a JSON object starting with '{{', got {text[:16]!r}")
    try:
        header = json.loads(text)
    except json.JSONDecodeError as e:
        raise _bad(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise _bad("header must be a JSON object")
    return header, 8 + length


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _tensor_info(name, info):
    if not isinstance(info, dict):
        raise _bad(f"tensor '{name}' must be described by an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in KNOWN:
        raise _bad(f"tensor '{name}' has unknown dtype {dtype!r}")
    if dtype not in DTYPES:
        raise _bad(f"tensor '{name}' has dtype {dtype}, which torch {torch.__version__} has no type for")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        raise _bad(f"tensor '{name}' shape must be a list of non-negative integers, got {shape!r}")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets):
        raise _bad(f"tensor '{name}' data_offsets must be [begin, end] with non-negative integers, got {offsets!r}")
    begin, end = offsets
    count = 1
    for d in shape:
        count *= d
    need = count * DTYPES[dtype][1]
    if end - begin != need:
        held = end - begin
        raise _bad(f"tensor '{name}' ({dtype}, shape {shape}) needs {need} bytes; data_offsets {offsets} hold {held}")
    return name, dtype, shape, begin, end
