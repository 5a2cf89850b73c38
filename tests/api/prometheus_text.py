"""A strict reader of the Prometheus text exposition format (0.0.4), enough to check what
``/metrics`` serves: families with HELP and TYPE, samples with escaped label values."""

from __future__ import annotations

import math
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)(?: (-?\d+))?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
TYPES = {"counter", "gauge", "summary", "histogram", "untyped"}
SUFFIXES = ("_sum", "_count", "_bucket", "_total")


def parse(text: str) -> tuple[dict[str, str], dict[tuple[str, frozenset[tuple[str, str]]], float]]:
    """(type by family, value by (sample name, labels)); ``ValueError`` on anything malformed."""
    types: dict[str, str] = {}
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    if not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    for n, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                if parts[3:] and parts[3] not in TYPES or len(parts) != 4:
                    raise ValueError(f"line {n}: bad TYPE")
                if parts[2] in types:
                    raise ValueError(f"line {n}: second TYPE for {parts[2]}")
                types[parts[2]] = parts[3]
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"line {n}: not a sample: {line!r}")
        name, raw_labels, raw_value = m[1], m[2], m[3]
        family = name
        if family not in types:
            for suffix in SUFFIXES:
                if name.endswith(suffix) and name[: -len(suffix)] in types:
                    family = name[: -len(suffix)]
        if family not in types:
            raise ValueError(f"line {n}: sample {name} before its TYPE")
        labels: list[tuple[str, str]] = []
        rest = raw_labels or ""
        while rest:
            lm = LABEL.match(rest)
            if not lm:
                raise ValueError(f"line {n}: bad labels {raw_labels!r}")
            value = lm[2].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
            labels.append((lm[1], value))
            rest = rest[lm.end():]
        if raw_value in ("NaN", "+Inf", "-Inf"):
            number = {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}[raw_value]
        else:
            number = float(raw_value)
        key = (name, frozenset(labels))
        if key in samples:
            raise ValueError(f"line {n}: duplicate sample {line!r}")
        samples[key] = number
    return types, samples


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """One sample's value."""
    return samples[(name, frozenset(labels.items()))]
