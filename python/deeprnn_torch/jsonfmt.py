"""JSON text as JavaScript's JSON.stringify writes it (compact; numbers in JS's shortest form; NaN and
Infinity as null), so metadata written here reads, and compares, byte for byte like deeprnn's."""
import decimal
import json
import math


def js_number(x):
    """String(x) in JavaScript for a finite float: the shortest round-trip digits (as Python's repr), written
    positionally for 1e-6 <= |x| < 1e21 and as d.ddde[+-]n otherwise."""
    if x == 0:
        return "0"
    digits = repr(x)
    if 1e-6 <= abs(x) < 1e21:
        text = format(decimal.Decimal(digits), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, _, exponent = format(decimal.Decimal(digits), "e").partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{'+' if int(exponent) > 0 else '-'}{abs(int(exponent))}"


def dumps(value):
    if value is None or value is True or value is False or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number(value) if math.isfinite(value) else "null"
    if isinstance(value, dict):
        return "{" + ",".join(f"{dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
