"""deeprnn's text core (assembly/text/*.ts) in Python: the same preprocessing, tokens and vocabulary.

A vocabulary built here from the same files equals the one deeprnn builds, token for token and in the same
order, so a model trained in PyTorch reads text in deeprnn exactly as it was trained on, and back.
"""
import collections
import gzip
import re

from .errors import DeepRnnError, check

UNK = "<unk>"
PREPROCESS = ("d2l", "none")
TOKENIZE = ("char", "word")
_NON_LETTERS = re.compile(rb"[^A-Za-z]+")


def read_text(path):
    """The bytes of a text file, gunzipped when it starts with gzip's magic number (as deeprnn --data reads)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DeepRnnError("E_IO", f"could not read {path}: {e.strerror or e}") from e
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise DeepRnnError("E_IO", f"{path} starts as gzip but does not decompress: {e}") from e
    return data


def _as_bytes(text):
    if isinstance(text, str):
        return text.encode("utf-8")
    check(isinstance(text, (bytes, bytearray)), f"text must be str or bytes, got {type(text).__name__}")
    return bytes(text)


def join_documents(documents):
    """Several documents as one text, each ending its last line, so no two share a line (deeprnn's joinDocuments)."""
    parts = [_as_bytes(d) for d in documents]
    check(len(parts) > 0, "no documents were given", "E_EMPTY_CORPUS")
    if len(parts) == 1:
        return parts[0]
    return b"".join(p if p == b"" or p[-1:] in (b"\n", b"\r") else p + b"\n" for p in parts)


def check_text_options(preprocess, tokenize, newlines=False):
    check(preprocess in PREPROCESS, f"preprocess must be 'd2l' or 'none', got {preprocess!r}")
    check(tokenize in TOKENIZE, f"tokenize must be 'char' or 'word', got {tokenize!r}")
    check(isinstance(newlines, bool), f"newlines must be a boolean, got {newlines!r}")


def preprocess_text(text, mode="d2l"):
    """'d2l': per line, every run of non-letters [^A-Za-z]+ becomes one space, then strip and lowercase, lines
    joined with \\n (d2l's read_time_machine). 'none': the text as valid UTF-8 (invalid bytes as U+FFFD, as
    TextDecoder). Both read \\r\\n and \\r as \\n, and a final line break adds no empty line in 'd2l'."""
    check(mode in PREPROCESS, f"preprocess must be 'd2l' or 'none', got {mode!r}")
    data = _as_bytes(text)
    if mode == "none":
        return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    # bytes.splitlines() splits on \n, \r\n and \r only; non-ASCII bytes are non-letters like any other.
    lines = (_NON_LETTERS.sub(b" ", line).strip().lower() for line in data.splitlines())
    return b"\n".join(lines).decode("ascii")


def tokenize_text(text, preprocess="d2l", level="char", newlines=False):
    """The tokens of `text`: every code point ('char') or every run of non-whitespace ('word', str.split()).
    Line breaks are tokens ("\\n") only when `newlines`, as deeprnn's tokenize."""
    check_text_options(preprocess, level, newlines)
    processed = preprocess_text(text, preprocess)
    if level == "char":
        return [c for c in processed if c != "\n"] if not newlines else list(processed)
    tokens = []
    lines = processed.split("\n")
    for i, line in enumerate(lines):
        tokens.extend(line.split())
        if newlines and i + 1 < len(lines):
            tokens.append("\n")
    return tokens


class Vocab:
    """d2l's Vocab as deeprnn builds it: '<unk>' at 0, then the reserved tokens, then the counted tokens by
    frequency descending, ties by first occurrence, stopping at the first one seen fewer than min_freq times."""

    def __init__(self, tokens, counts=None, preprocess="d2l", tokenize="char", newlines=False, reserved=()):
        check_text_options(preprocess, tokenize, newlines)
        tokens = list(tokens)
        check(len(tokens) > 0 and tokens[0] == UNK, f"tokens[0] must be '{UNK}'", "E_BAD_VOCAB")
        check(all(isinstance(t, str) and t for t in tokens), "tokens must be non-empty strings", "E_BAD_VOCAB")
        check(len(set(tokens)) == len(tokens), "tokens repeat", "E_BAD_VOCAB")
        reserved = list(reserved)
        check(tokens[1 : 1 + len(reserved)] == reserved, "reserved must be tokens[1..]", "E_BAD_VOCAB")
        self.tokens = tokens
        self.counts = list(counts) if counts is not None else [0] * len(tokens)
        self.preprocess, self.tokenize, self.newlines, self.reserved = preprocess, tokenize, newlines, reserved
        self._index = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def from_tokens(cls, tokens, min_freq=0, reserved=(), **text_options):
        check(isinstance(min_freq, int) and min_freq >= 0, f"min_freq must be an integer >= 0, got {min_freq!r}")
        reserved = list(reserved)
        ok = all(isinstance(t, str) and t and t != UNK for t in reserved)
        check(ok, f"reserved tokens must be non-empty strings other than '{UNK}', got {reserved!r}")
        check(len(set(reserved)) == len(reserved), f"reserved tokens repeat: {reserved!r}")
        counter = collections.Counter(tokens)  # insertion order = first occurrence
        check(len(counter) > 0, "cannot build a vocabulary from no tokens", "E_EMPTY_CORPUS")
        vocab = [UNK] + reserved
        index = {t: i for i, t in enumerate(vocab)}
        # sorted() is stable, with reverse=True too, so ties keep first-occurrence order (as d2l and deeprnn).
        for token, count in sorted(counter.items(), key=lambda kv: kv[1], reverse=True):
            if count < min_freq:
                break
            if token not in index:
                index[token] = len(vocab)
                vocab.append(token)
        counts = [0] * len(vocab)
        for token, count in counter.items():
            if token in index:
                counts[index[token]] = count
        return cls(vocab, counts, reserved=reserved, **text_options)

    def __len__(self):
        return len(self.tokens)

    def __eq__(self, other):
        return isinstance(other, Vocab) and self.tokens == other.tokens and self.text_options() == other.text_options()

    def index(self, token):
        return self._index.get(token, 0)

    def text_options(self):
        """The checkpoint's `text` metadata, as deeprnn writes it."""
        return {
            "preprocess": self.preprocess,
            "tokenize": self.tokenize,
            "newlines": self.newlines,
            "reserved": list(self.reserved),
        }

    def encode(self, text):
        """Ids of a text's tokens (tokenized with this vocabulary's options); unknown tokens are 0."""
        return [self._index.get(t, 0) for t in tokenize_text(text, self.preprocess, self.tokenize, self.newlines)]

    def decode(self, ids):
        sep = " " if self.tokenize == "word" else ""
        for i in ids:
            ok = isinstance(i, int) and 0 <= i < len(self.tokens)
            check(ok, f"token id {i!r} is outside the vocabulary [0, {len(self.tokens)})", "E_TOKEN_RANGE")
        return sep.join(self.tokens[i] for i in ids)


def build_corpus(documents, preprocess="d2l", tokenize="char", newlines=False, min_freq=0, reserved=(), max_tokens=0):
    """deeprnn's buildCorpus: the vocabulary of all documents and their tokens as ids (the first max_tokens when
    > 0; the vocabulary still counts them all). Returns (vocab, ids)."""
    if isinstance(documents, (str, bytes, bytearray)):
        documents = [documents]
    check(isinstance(max_tokens, int) and max_tokens >= 0, f"max_tokens must be an integer >= 0, got {max_tokens!r}")
    tokens = tokenize_text(join_documents(documents), preprocess, tokenize, newlines)
    if not tokens:
        hint = " after 'd2l' preprocessing (it keeps only the letters A-Z, a-z)" if preprocess == "d2l" else ""
        raise DeepRnnError("E_EMPTY_CORPUS", f"the text has no tokens{hint}")
    vocab = Vocab.from_tokens(tokens, min_freq, reserved, preprocess=preprocess, tokenize=tokenize, newlines=newlines)
    kept = tokens[:max_tokens] if max_tokens > 0 else tokens
    return vocab, [vocab.index(t) for t in kept]
