"""Question ``maxpool1d_backward``: each delta goes to its window's winner.

Its cases are ``PoolCase`` problems, called as ``(x, delta, K, stride=, padding=)`` (no stride: the
default); its catalogue of mistakes is the data below, each with the trusted computation of
what it returns.  Which tie rule is right is the course's choice: the others are mistakes.
"""

from __future__ import annotations

from ..cases import PoolCase
from ..diagnosis import CROPPING, TIE_RULES, Catalogue, Transform, causes, one_story
from .pool import PoolProblems, pool

PROBLEMS = PoolProblems()
_EQ_P = "your result equals the pooling gradient"
_PADDED = "your result equals the padded gradient"

CAUSES = causes(
    (
        "p.ties-first",
        "mistake-ties",
        f"{_EQ_P} with each tie won by the first maximal element alone",
    ),
    (
        "p.ties-last",
        "mistake-ties",
        f"{_EQ_P} with each tie won by the last maximal element (as a >= comparison in a "
        "loop does)",
    ),
    (
        "p.ties-all",
        "mistake-ties",
        f"{_EQ_P} with the whole delta given to every tied maximum",
    ),
    (
        "p.ties-split",
        "mistake-ties",
        f"{_EQ_P} with each delta split equally between the tied maxima",
    ),
    (
        "p.max-init",
        "mistake-max-init",
        f"{_EQ_P} of a running maximum started at 0 (a window without a positive value "
        "never finds its real winner)",
    ),
    (
        "p.zero-pad",
        "mistake-pool-padding",
        f"{_EQ_P} with the input padded with zeros instead of -inf",
    ),
    (
        "p.default-stride",
        "mistake-default-stride",
        f"{_EQ_P} with a missing stride taken as 1 instead of kernel_size",
    ),
    (
        "p.stride",
        "mistake-stride",
        f"{_EQ_P} with the given stride ignored",
    ),
    (
        "p.global",
        "",
        "your result sends every delta to the maximum of its whole row instead of the "
        "maximum of its own window",
    ),
    (
        "p.overwrite",
        "mistake-accumulate",
        f"{_EQ_P} with = instead of += (an input that wins several overlapping windows "
        "keeps only one window's delta)",
    ),
    (
        "p.window-late",
        "",
        f"{_EQ_P} with every window starting one place too late (at t*stride + 1)",
    ),
    (
        "p.window-short",
        "",
        f"{_EQ_P} with every window one element short (its last element can never win)",
    ),
    (
        "p.window-long",
        "",
        f"{_EQ_P} with every window one element too long",
    ),
    (
        "p.crop-left",
        "mistake-padding",
        f"{_PADDED}'s first W entries: the left padding was not skipped",
    ),
    ("p.uncropped", "mistake-padding", f"{_PADDED} with none of the padding cropped away"),
    ("p.crop-one-side", "mistake-padding", f"{_PADDED} with the padding cropped at one end only"),
    (
        "p.padding-none",
        "mistake-padding",
        f"{_EQ_P} with the windows placed on x without its padding",
    ),
    (
        "p.index-past-end",
        "",
        "your code read past the end of the padded input: window t covers positions "
        "t*stride to t*stride + kernel_size - 1",
    ),
    (
        "p.index-unpadded",
        "mistake-padding",
        "your code read a position of the padded input from an array as wide as x itself: "
        "pad x with -inf first (positions run up to W + 2*padding - 1)",
    ),
)


def _other_rule(rule: str) -> Transform:
    # a tie rule is a mistake only when it is not the course's rule
    return lambda c, configured: None if rule == configured else pool(c, rule=rule)


def _width(c: PoolCase) -> int:
    return c.x.shape[2]


TRANSFORMS: tuple[tuple[str, Transform], ...] = (
    *((f"p.ties-{rule}", _other_rule(rule)) for rule in TIE_RULES),
    ("p.max-init", lambda c, r: pool(c, rule=r, no_winner="start")),
    ("p.max-init", lambda c, r: pool(c, rule=r, no_winner="lost")),
    ("p.max-init", lambda c, r: pool(c, rule=r, no_winner="lost<0")),
    ("p.zero-pad", lambda c, r: pool(c, rule=r, pad_value=0.0) if c.padding else None),
    ("p.default-stride", lambda c, r: pool(c, rule=r, stride=1) if c.stride is None else None),
    ("p.stride", lambda c, r: None if c.stride is None else pool(c, rule=r, stride=1)),
    ("p.stride", lambda c, r: None if c.stride is None else pool(c, rule=r, stride=c.kernel_size)),
    ("p.global", lambda c, r: pool(c, rule=r, global_max=True)),
    ("p.overwrite", lambda c, r: pool(c, rule=r, overwrite=True)),
    ("p.window-late", lambda c, r: pool(c, rule=r, offset=1)),
    ("p.window-short", lambda c, r: pool(c, rule=r, length=c.kernel_size - 1)),
    ("p.window-long", lambda c, r: pool(c, rule=r, length=c.kernel_size + 1)),
    ("p.crop-left", lambda c, r: pool(c, rule=r, crop=(0, _width(c)))),
    ("p.uncropped", lambda c, r: pool(c, rule=r, crop=(0, _width(c) + 2 * c.padding))),
    ("p.crop-one-side", lambda c, r: pool(c, rule=r, crop=(c.padding, _width(c) + 2 * c.padding))),
    ("p.crop-one-side", lambda c, r: pool(c, rule=r, crop=(0, _width(c) + c.padding))),
    ("p.padding-none", lambda c, r: pool(c, rule=r, padding=0) if c.padding else None),
)


def shape_readings(case: PoolCase, shape: tuple[int, ...]) -> list[str]:
    n, c, width = case.x.shape
    p = case.padding
    if shape == (n, c, width) or len(shape) != 3 or shape[:2] != (n, c) or not p:
        return []
    if shape[2] == width + 2 * p:
        return ["shape-uncropped"]
    return ["shape-one-side"] if shape[2] == width + p else []


def error_readings(case: PoolCase, index: int, axis: int, size: int) -> list[str]:
    """A read past the padded input, or from an unpadded one, when the size names one only."""
    if index < size:
        return []
    n, c, width = case.x.shape
    p, k, w_out = case.padding, case.kernel_size, case.delta.shape[2]
    widths = {"p.index-past-end": width + 2 * p}
    if p:
        widths["p.index-unpadded"] = width
    return one_story(widths, size, (n, c, k, w_out))


CATALOGUE = Catalogue(
    causes=CAUSES | CROPPING,  # its result is as wide as the padded input
    transforms=TRANSFORMS,
    shape_readings=shape_readings,
    error_readings=error_readings,
    implied_shape={"p.uncropped": "shape-uncropped", "p.crop-one-side": "shape-one-side"},
)
