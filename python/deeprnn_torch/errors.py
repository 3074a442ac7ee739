"""The Python side's one error type, with the same stable codes as deeprnn's DeepRnnError (src/errors.ts)."""


class DeepRnnError(ValueError):
    """An input deeprnn-torch refuses; `code` is one of src/errors.ts's codes (E_BAD_CHECKPOINT, ...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def check(ok, message, code="E_BAD_OPTION"):
    if not ok:
        raise DeepRnnError(code, message)
