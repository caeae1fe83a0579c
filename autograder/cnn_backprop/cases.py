"""Random test configurations for the hidden suites, each able to describe itself to a student.

A hidden case draws a few configurations from the ``rng`` it is given (seeded per submission
and per case), so different students get different shapes and values while every draw still
exercises the case's feature.  Sizes stay small: a pure-Python-loop solution grades in seconds.
The ``rng`` also carries the course's features (``CaseRandom``): a feature the course leaves
out is held at the note's setting in every draw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


class CaseRandom:
    """A case's random stream, and the course features its draws may use.

    It is a NumPy ``Generator`` for everything else (``integers``, ``standard_normal``...).
    """

    def __init__(self, generator: np.random.Generator, features: Mapping[str, bool]) -> None:
        self._generator = generator
        self._features = dict(features)

    def enabled(self, feature: str) -> bool:
        return self._features.get(feature, True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._generator, name)


def _features(rng: Any) -> Callable[[str], bool]:
    """Which features a draw may use: the course's, or all (a plain Generator)."""
    return getattr(rng, "enabled", lambda feature: True)


@dataclass(frozen=True)
class ConvCase:
    """One convolution layer's backward problem: x, w and the deltas, with its settings."""

    x: np.ndarray  # (N, C_in, W)
    w: np.ndarray  # (C_out, C_in, K)
    delta: np.ndarray  # (N, C_out, W_out)
    stride: int = 1
    padding: int = 0
    dilation: int = 1

    @property
    def kernel_size(self) -> int:
        return self.w.shape[2]

    @property
    def dtype(self) -> np.dtype:
        return self.x.dtype

    @property
    def unread(self) -> int:
        """Trailing real inputs that no output position reads."""
        n_read = (
            self.stride * (self.delta.shape[2] - 1) + self.dilation * (self.kernel_size - 1) + 1
        )
        return max(0, self.x.shape[2] + 2 * self.padding - n_read - self.padding)

    def describe(self) -> str:
        n, c_in, width = self.x.shape
        parts = [
            f"N={n}, C_in={c_in}, C_out={self.w.shape[0]}, W={width}, K={self.kernel_size}",
            f"stride {self.stride}, padding {self.padding}, dilation {self.dilation}",
        ]
        if self.unread:
            parts.append(f"{self.unread} trailing input(s) never read")
        if self.delta.shape[2] == 1:
            parts.append("the kernel spans the whole padded input (one output)")
        if self.x.dtype != np.float64:
            parts.append(f"{self.x.dtype} inputs")
        return "; ".join(parts)


@dataclass(frozen=True)
class PoolCase:
    """One max-pooling backward problem."""

    x: np.ndarray  # (N, C, W)
    delta: np.ndarray  # (N, C, W_out)
    kernel_size: int
    stride: int | None = None  # None: the default (kernel_size), not passed at all
    padding: int = 0

    @property
    def dtype(self) -> np.dtype:
        return self.x.dtype

    @property
    def effective_stride(self) -> int:
        return self.kernel_size if self.stride is None else self.stride

    @property
    def unread(self) -> int:
        covered = self.effective_stride * (self.delta.shape[2] - 1) + self.kernel_size
        return max(0, self.x.shape[2] + self.padding - covered)

    def describe(self) -> str:
        n, c, width = self.x.shape
        stride = "default stride" if self.stride is None else f"stride {self.stride}"
        parts = [f"N={n}, C={c}, W={width}, window {self.kernel_size}, {stride}"]
        if self.padding:
            parts.append(f"padding {self.padding}")
        if self.effective_stride < self.kernel_size:
            parts.append("overlapping windows")
        elif self.effective_stride > self.kernel_size:
            parts.append("gaps between windows")
        if self.unread:
            parts.append(f"{self.unread} trailing input(s) in no window")
        if self.x.dtype != np.float64:
            parts.append(f"{self.x.dtype} inputs")
        return "; ".join(parts)


# the contract's dtypes (solutions/reference.py refuses any other, integers included)
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _floating(dtype: type) -> type:
    if np.dtype(dtype) not in DTYPES:
        raise ValueError(f"hidden cases are float32 or float64, not {np.dtype(dtype)}")
    return dtype


def _pick(rng: np.random.Generator, value: int | None, low: int, high: int) -> int:
    return int(rng.integers(low, high + 1)) if value is None else value


def draw_conv(
    rng: np.random.Generator,
    *,
    n: int | None = None,
    c_in: int | None = None,
    c_out: int | None = None,
    kernel_size: int | None = None,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    outputs: int | None = None,
    unread: int | None = None,
    dtype: type = np.float64,
) -> ConvCase:
    """A random convolution problem; ``outputs`` fixes W_out and ``unread`` the trailing inputs.

    Features the course leaves out (``rng.enabled``) are held at the note's setting.
    """
    on = _features(rng)
    n = n if on("batch") else 1
    c_in, c_out = (c_in, c_out) if on("channels") else (1, 1)
    stride = stride if on("stride") else 1
    padding = padding if on("padding") else 0
    dilation = dilation if on("dilation") else 1
    dtype = _floating(dtype) if on("float32") else np.float64
    unread = None if unread is None else min(unread, stride - 1)
    n, c_in, c_out = _pick(rng, n, 1, 3), _pick(rng, c_in, 1, 4), _pick(rng, c_out, 1, 4)
    k = _pick(rng, kernel_size, 1, 5)
    w_out = _pick(rng, outputs, 1, 6)
    spare = _pick(rng, unread, 0, stride - 1)
    if spare >= stride:
        raise ValueError("at most stride - 1 trailing inputs can be unread")
    # smallest padded width giving w_out outputs, plus `spare` inputs no window reaches
    width = stride * (w_out - 1) + dilation * (k - 1) + 1 + spare - 2 * padding
    while width < 1:  # heavy padding on a tiny input: add output positions until W >= 1
        w_out, width = w_out + 1, width + stride
    x = rng.standard_normal((n, c_in, width)).astype(dtype)
    w = rng.standard_normal((c_out, c_in, k)).astype(dtype)
    delta = rng.standard_normal((n, c_out, w_out)).astype(dtype)
    return ConvCase(x, w, delta, stride, padding, dilation)


def draw_pool(
    rng: np.random.Generator,
    *,
    kernel_size: int | None = None,
    stride: int | None = None,
    padding: int = 0,
    n: int | None = None,
    c: int | None = None,
    outputs: int | None = None,
    unread: int | None = None,
    values: str = "normal",
    dtype: type = np.float64,
) -> PoolCase:
    """A random pooling problem.

    ``values``: ``normal`` (no ties), ``ints`` (small integers: many ties), ``constant``
    (some windows entirely equal) or ``negative`` (every value below zero).  Features the
    course leaves out are held at the note's setting (stride: the default, windows side by side).
    """
    on = _features(rng)
    n = n if on("batch") else 1
    c = c if on("channels") else 1
    stride = stride if on("stride") else None
    padding = padding if on("padding") else 0
    dtype = _floating(dtype) if on("float32") else np.float64
    k = _pick(rng, kernel_size, 1, 4)
    s = k if stride is None else stride
    unread = None if unread is None else min(unread, s - 1)
    n, c, w_out = _pick(rng, n, 1, 3), _pick(rng, c, 1, 3), _pick(rng, outputs, 1, 6)
    spare = _pick(rng, unread, 0, s - 1)
    width = s * (w_out - 1) + k + spare - 2 * padding
    while width < 1:
        w_out, width = w_out + 1, width + s
    shape = (n, c, width)
    if values == "normal":
        x = rng.standard_normal(shape)
    elif values == "ints":
        x = rng.integers(-2, 3, size=shape).astype(float)
    elif values == "constant":
        x = rng.integers(-1, 2, size=shape).astype(float)
        x[..., : min(width, k)] = x[..., :1]  # the first window is constant
    elif values == "negative":
        x = -np.abs(rng.standard_normal(shape)) - 0.5
    else:
        raise ValueError(f"unknown values {values!r}")
    delta = rng.standard_normal((n, c, w_out))
    return PoolCase(x.astype(dtype), delta.astype(dtype), k, stride, padding)
