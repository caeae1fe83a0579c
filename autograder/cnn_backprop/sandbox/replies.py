"""What the sandbox's child sends back, read as untrusted data: load reports, arrays, probes.

Nothing here trusts the child: text is cleaned and bounded, arrays are rebuilt from raw bytes
with their dtype and shape checked, and the child's measurements are read strictly.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SubmissionError

MAX_ELEMENTS = 10_000_000  # far above any graded output; stops a memory bomb in the parent

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: Any, limit: int) -> str:
    """Student-chosen text, made safe to show: valid UTF-8, no control characters, bounded."""
    text = str(value)[: limit * 2].encode("utf-8", "replace").decode("utf-8", "replace")
    return CONTROL_CHARACTERS.sub("?", text)[:limit]


@dataclass
class LoadReport:
    """What loading the submission's code found."""

    functions: dict[str, str] = field(default_factory=dict)  # name -> callable/missing/...
    errors: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    fatal: str | None = None  # the child died or hung while loading


@dataclass(frozen=True)
class Probe:
    """What the child measured during one call (``child._ProbeWatch``).

    Numbers reported by the submission's own process: they are read strictly and used for
    one thing only, flagging a function that evaluates a forward pass instead of deriving
    its gradient (``probing.py``); never for a score's correctness.
    """

    evaluations: int  # distinct input entries another function was evaluated at, one by one
    forward_like: int  # calls mapping an array shaped like one input to the shape of another
    function: str  # the function evaluated at the most entries (a name the child reported)
    intact: bool  # the watch was still installed when the call returned (and reported)


# what a reply that answered but withheld or mangled its measurements counts as: our child
# always sends them, so the submission interfered with the watch
WITHHELD = Probe(0, 0, "", False)


_PROBE_NAME = re.compile(r"[^A-Za-z0-9_.<>]")


def read_probe(obj: Any) -> Probe | None:
    """The child's measurements, or None when they are missing or malformed."""
    if not isinstance(obj, dict):
        return None
    counts = [obj.get("evaluations"), obj.get("forward_like")]
    if not all(type(c) is int and 0 <= c < 10**9 for c in counts):
        return None
    intact, name = obj.get("intact"), obj.get("function", "")
    if not isinstance(intact, bool) or not isinstance(name, str):
        return None
    return Probe(counts[0], counts[1], _PROBE_NAME.sub("?", name[:60]), intact)


@dataclass
class CallResult:
    value: np.ndarray  # fresh float64 copy, built in the parent
    returned_dtype: str
    inputs_after: list[np.ndarray | None]
    seconds: float
    probe: Probe | None = None  # None: nothing measured (or the child withheld it)


def decode_untrusted(obj: Any) -> np.ndarray:
    """Rebuild an array sent by the child, trusting nothing about it."""
    if not (isinstance(obj, dict) and isinstance(obj.get("__ndarray__"), list)):
        raise SubmissionError("returned something that is not an array")
    try:
        dtype_str, shape, data = obj["__ndarray__"]
        dtype = np.dtype(str(dtype_str))
        if dtype.kind not in "biuf" or dtype.hasobject:
            raise ValueError(f"dtype {dtype}")
        shape = tuple(int(s) for s in shape)
        if len(shape) > 32 or any(s < 0 for s in shape) or int(np.prod(shape)) > MAX_ELEMENTS:
            raise ValueError(f"shape {shape}")
        raw = base64.b64decode(str(data), validate=True)
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape)
    except (ValueError, TypeError, OverflowError) as exc:
        raise SubmissionError(f"returned an array that could not be read ({exc})") from None
    return arr
