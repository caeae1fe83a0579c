"""The reference solutions against independent oracles, never against themselves.

Four kinds of evidence, each independent of ``solutions/reference.py``'s own code:

(a) the note's hand-worked examples, written out term by term with concrete numbers;
(b) the slow, literal loop oracles in ``tests/oracles.py`` on a few hundred seeded
    random configurations plus hand-picked edge cases (one output, unread inputs,
    ties, constant and all-negative windows, float32);
(c) centred finite differences of the forward passes;
(d) hygiene: inputs untouched, exact output shapes, float32 in -> close float out.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

_HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path) -> ModuleType:
    # load by file path so the tests work whatever pytest's import mode or the packaging
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load("_reference_under_test", _HERE.parent / "solutions" / "reference.py")
orc = _load("_conv_oracles", _HERE / "oracles.py")

N_RANDOM = 200  # seeds per layer for the oracle comparison
N_FINITE_DIFF = 30  # seeds per layer for the finite-difference checks

# tolerances: float64 work should agree to rounding; float32 to single precision
TOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 2e-5}


def _assert_close(actual: Any, expected: np.ndarray, dtype: np.dtype | type = np.float64) -> None:
    """Exact shape, floating dtype, and values within the dtype's tolerance."""
    actual = np.asarray(actual)
    assert actual.shape == expected.shape
    assert np.issubdtype(actual.dtype, np.floating)
    tol = TOL[np.dtype(dtype)]
    # sums of a few dozen O(1) terms: scale the absolute tolerance by the largest value
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale)


# ---------------------------------------------------------------------------------------
# (a) the note's worked examples, term by term
# ---------------------------------------------------------------------------------------

P = [2.0, -1.0, 3.0, 0.5, 4.0, -2.0]  # p_0 .. p_5
W3 = [0.5, -2.0, 1.5]  # w_0 .. w_2
S4 = [1.0, -0.5, 2.0, 3.0]  # s_t = dF/dz_t, t = 0 .. 3


def _row(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64).reshape(1, 1, -1)


def test_eqs_1_to_4_forward() -> None:
    p0, p1, p2, p3, p4, p5 = P
    w0, w1, w2 = W3
    expected = _row(
        [
            p0 * w0 + p1 * w1 + p2 * w2,  # (1)
            p1 * w0 + p2 * w1 + p3 * w2,  # (2)
            p2 * w0 + p3 * w1 + p4 * w2,  # (3)
            p3 * w0 + p4 * w1 + p5 * w2,  # (4)
        ]
    )
    np.testing.assert_allclose(ref.conv1d_forward(_row(P), _row(W3)), expected, rtol=1e-15)
    np.testing.assert_allclose(orc.conv1d_forward_oracle(_row(P), _row(W3)), expected, rtol=1e-15)


def test_eqs_5_to_9_filter_gradient() -> None:
    p0, p1, p2, p3, p4, p5 = P
    s0, s1, s2, s3 = S4
    expected = _row(
        [
            s0 * p0 + s1 * p1 + s2 * p2 + s3 * p3,  # (5)
            s0 * p1 + s1 * p2 + s2 * p3 + s3 * p4,  # (6)
            s0 * p2 + s1 * p3 + s2 * p4 + s3 * p5,  # (7)
        ]
    )
    got = ref.conv1d_backward_w(_row(P), _row(S4), 3)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    np.testing.assert_allclose(orc.conv1d_backward_w_oracle(_row(P), _row(S4), 3), expected)
    # (8)-(9): dF/dw = p (x) s, the input correlated with the deltas used as a filter
    np.testing.assert_allclose(orc.conv1d_forward_oracle(_row(P), _row(S4)), expected)


def test_eqs_10_to_17_input_gradient() -> None:
    s0, s1, s2, s3 = S4
    w0, w1, w2 = W3
    expected = _row(
        [
            s0 * w0,  # (10)
            s0 * w1 + s1 * w0,  # (11)
            s0 * w2 + s1 * w1 + s2 * w0,  # (12)
            s1 * w2 + s2 * w1 + s3 * w0,  # (13)
            s2 * w2 + s3 * w1,  # (14)
            s3 * w2,  # (15)
        ]
    )
    got = ref.conv1d_backward_input(_row(S4), _row(W3), 6)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    np.testing.assert_allclose(orc.conv1d_backward_input_oracle(_row(S4), _row(W3), 6), expected)
    # (16)-(17): s (*) flip(w) with full padding (K - 1 zeros on each side) ...
    flipped = _row(W3[::-1])
    np.testing.assert_allclose(orc.conv1d_forward_oracle(_row(S4), flipped, padding=2), expected)
    # ... which is numpy's true ("flipping") full convolution of s with w
    np.testing.assert_allclose(np.convolve(S4, W3, mode="full").reshape(1, 1, -1), expected)


def test_eqs_18_to_23_maxpool() -> None:
    z = [0.3, -1.2, 2.5, 4.0, 3.9, -0.7]  # z_0 .. z_5; window 3, stride 3
    dy0, dy1 = 1.5, -2.0
    m0, m1 = max(z[0:3]), max(z[3:6])  # y_0, y_1
    expected = _row(
        [
            dy0 * (z[0] == m0),  # (18)
            dy0 * (z[1] == m0),  # (19)
            dy0 * (z[2] == m0),  # (20)
            dy1 * (z[3] == m1),  # (21)
            dy1 * (z[4] == m1),  # (22)
            dy1 * (z[5] == m1),  # (23)
        ]
    )
    np.testing.assert_array_equal(expected, _row([0.0, 0.0, 1.5, -2.0, 0.0, 0.0]))
    np.testing.assert_array_equal(ref.maxpool1d_forward(_row(z), 3), _row([m0, m1]))
    np.testing.assert_array_equal(ref.maxpool1d_backward(_row(z), _row([dy0, dy1]), 3), expected)
    np.testing.assert_array_equal(
        orc.maxpool1d_backward_oracle(_row(z), _row([dy0, dy1]), 3), expected
    )


def test_eqs_18_to_23_with_ties_go_to_first() -> None:
    # read literally, (18)-(20) would give dy_0 to both z_0 and z_1; the contract says first only
    z = _row([2.0, 2.0, 1.0, 0.0, 4.0, 4.0])
    dy = _row([10.0, 20.0])
    expected = _row([10.0, 0.0, 0.0, 0.0, 20.0, 0.0])
    np.testing.assert_array_equal(ref.maxpool1d_backward(z, dy, 3), expected)
    np.testing.assert_array_equal(orc.maxpool1d_backward_oracle(z, dy, 3), expected)


@pytest.mark.parametrize(
    ("x", "k", "stride", "padding", "delta", "expected"),
    [
        # overlapping constant windows: each delta lands on its window's first element
        ([5.0, 5.0, 5.0, 5.0], 3, 1, 0, [1.0, 2.0], [1.0, 2.0, 0.0, 0.0]),
        # overlapping windows share a winner and accumulate
        ([0.0, 9.0, 1.0, 2.0], 2, 1, 0, [1.0, 2.0, 4.0], [0.0, 3.0, 0.0, 4.0]),
        # all negative, -inf padding never wins even at the edges
        ([-5.0, -7.0, -1.0, -9.0], 3, 1, 1, [1.0, 2.0, 4.0, 8.0], [1.0, 0.0, 14.0, 0.0]),
        # stride > kernel: the skipped inputs, and the unreachable tail, get 0
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 2, 3, 0, [1.0, 2.0], [0, 1, 0, 0, 2, 0, 0]),
        # one window spanning the whole padded input
        ([-3.0, -3.0, -4.0], 5, None, 2, [7.0], [7.0, 0.0, 0.0]),
    ],
    ids=["constant-overlap", "shared-winner", "all-negative-padded", "stride-gt-k", "one-window"],
)
def test_maxpool_hand_checked(
    x: list[float],
    k: int,
    stride: int | None,
    padding: int,
    delta: list[float],
    expected: list[float],
) -> None:
    got = ref.maxpool1d_backward(_row(x), _row(delta), k, stride=stride, padding=padding)
    np.testing.assert_array_equal(got, _row(expected))
    oracle = orc.maxpool1d_backward_oracle(_row(x), _row(delta), k, stride, padding)
    np.testing.assert_array_equal(oracle, _row(expected))


# ---------------------------------------------------------------------------------------
# (b) reference vs oracles: random and edge-case configurations
# ---------------------------------------------------------------------------------------

ConvCfg = tuple[int, int, int, int, int, int, int, int]  # N, C_in, C_out, W, K, S, P, D
PoolCfg = tuple[int, int, int, int, int | None, int]  # N, C, W, K, S, P


def _random_conv_config(rng: np.random.Generator) -> ConvCfg:
    while True:  # resample until at least one output exists
        n, c_in, c_out = (int(v) for v in rng.integers(1, [4, 5, 5]))
        width, k = int(rng.integers(1, 13)), int(rng.integers(1, 6))
        s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 3)), int(rng.integers(1, 4))
        if orc.conv_output_length(width, k, s, p, d) >= 1:
            return n, c_in, c_out, width, k, s, p, d


def _random_pool_config(rng: np.random.Generator) -> PoolCfg:
    while True:
        n, c = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        width, k = int(rng.integers(1, 13)), int(rng.integers(1, 6))
        s = None if rng.random() < 0.25 else int(rng.integers(1, 5))
        p = int(rng.integers(0, k // 2 + 1))
        if orc.pool_output_length(width, k, k if s is None else s, p) >= 1:
            return n, c, width, k, s, p


def _conv_values(
    rng: np.random.Generator, cfg: ConvCfg, mode: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, c_in, c_out, width, k, s, p, d = cfg
    w_out = orc.conv_output_length(width, k, s, p, d)
    shapes = [(n, c_in, width), (c_out, c_in, k), (n, c_out, w_out)]
    if mode == "int":  # small integers: every sum is exact
        return tuple(rng.integers(-3, 4, size=sh).astype(np.float64) for sh in shapes)
    arrays = tuple(rng.standard_normal(sh) for sh in shapes)
    if mode == "float32":
        return tuple(a.astype(np.float32) for a in arrays)
    return arrays


def _check_conv_case(
    cfg: ConvCfg, x: np.ndarray, w: np.ndarray, delta: np.ndarray, dtype: type
) -> None:
    _, _, _, width, k, s, p, d = cfg
    _assert_close(
        ref.conv1d_forward(x, w, stride=s, padding=p, dilation=d),
        orc.conv1d_forward_oracle(x, w, s, p, d),
        dtype,
    )
    _assert_close(
        ref.conv1d_backward_w(x, delta, k, stride=s, padding=p, dilation=d),
        orc.conv1d_backward_w_oracle(x, delta, k, s, p, d),
        dtype,
    )
    dx = ref.conv1d_backward_input(delta, w, width, stride=s, padding=p, dilation=d)
    _assert_close(dx, orc.conv1d_backward_input_oracle(delta, w, width, s, p, d), dtype)
    # inputs that no (output, tap) pair reads must get exactly zero, not merely ~0
    unread = ~orc.conv_read_mask(width, k, s, p, d)
    assert np.all(np.asarray(dx)[:, :, unread] == 0.0)


@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_conv_random_vs_oracle(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    mode = ("float64", "float64", "int", "float32")[seed % 4]
    cfg = _random_conv_config(rng)
    x, w, delta = _conv_values(rng, cfg, mode)
    _check_conv_case(cfg, x, w, delta, np.float32 if mode == "float32" else np.float64)


CONV_EDGE_CASES: dict[str, ConvCfg] = {
    # kernel spanning the whole padded input: exactly one output
    "one-output-padded": (2, 2, 3, 3, 5, 1, 1, 1),
    "one-output-width1": (1, 1, 1, 1, 5, 1, 2, 1),
    "one-output-dilated": (1, 3, 2, 5, 3, 2, 1, 3),
    "one-output-dilation-spans-all": (3, 4, 4, 10, 4, 4, 0, 3),
    # trailing inputs never read
    "tail-unread-stride3": (1, 1, 1, 7, 2, 3, 0, 1),
    "tail-unread-k1-stride4": (2, 3, 2, 12, 1, 4, 0, 1),
    "tail-unread-dilated": (1, 2, 1, 10, 2, 4, 0, 2),
    # holes in the middle and at the start (padding shifts the windows)
    "holes-padded": (2, 1, 2, 9, 3, 4, 1, 1),
    "leading-unread": (1, 2, 2, 6, 2, 3, 2, 1),
    # the plain note setting and 1x1 kernels
    "note-setting": (1, 1, 1, 6, 3, 1, 0, 1),
    "pointwise": (3, 4, 4, 5, 1, 1, 0, 1),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", CONV_EDGE_CASES.values(), ids=CONV_EDGE_CASES.keys())
def test_conv_edge_cases_vs_oracle(cfg: ConvCfg, dtype: type) -> None:
    _, _, _, width, k, s, p, d = cfg
    assert orc.conv_output_length(width, k, s, p, d) >= 1
    rng = np.random.default_rng(sum(cfg))
    x, w, delta = (a.astype(dtype) for a in _conv_values(rng, cfg, "float64"))
    _check_conv_case(cfg, x, w, delta, dtype)


POOL_MODES = ("gauss", "small-int", "constant", "all-negative", "negative-int", "float32")


def _pool_values(rng: np.random.Generator, cfg: PoolCfg, mode: str) -> np.ndarray:
    n, c, width, _, _, _ = cfg
    shape = (n, c, width)
    if mode == "small-int":  # many ties
        return rng.integers(-2, 3, size=shape).astype(np.float64)
    if mode == "constant":  # every window is one big tie
        return np.full(shape, float(rng.integers(-3, 4)))
    if mode == "all-negative":
        return -np.abs(rng.standard_normal(shape)) - 10.0
    if mode == "negative-int":  # ties among negatives, next to -inf padding
        return rng.integers(-6, -3, size=shape).astype(np.float64)
    if mode == "float32":
        return rng.standard_normal(shape).astype(np.float32)
    return rng.standard_normal(shape)


def _check_pool_case(cfg: PoolCfg, x: np.ndarray, rng: np.random.Generator) -> None:
    _, _, _, k, s, p = cfg
    y_oracle = orc.maxpool1d_forward_oracle(x, k, s, p)
    y = ref.maxpool1d_forward(x, k, stride=s, padding=p)
    assert y.shape == y_oracle.shape
    np.testing.assert_array_equal(y, y_oracle)  # a max is exact
    # integer deltas: every sum is exact, so routing must agree bit for bit
    delta_int = rng.integers(1, 100, size=y_oracle.shape).astype(x.dtype)
    got = ref.maxpool1d_backward(x, delta_int, k, stride=s, padding=p)
    assert got.shape == x.shape
    np.testing.assert_array_equal(got, orc.maxpool1d_backward_oracle(x, delta_int, k, s, p))
    # and with general deltas
    delta = rng.standard_normal(y_oracle.shape).astype(x.dtype)
    _assert_close(
        ref.maxpool1d_backward(x, delta, k, stride=s, padding=p),
        orc.maxpool1d_backward_oracle(x, delta, k, s, p),
        x.dtype,
    )


@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_maxpool_random_vs_oracle(seed: int) -> None:
    rng = np.random.default_rng(5000 + seed)
    cfg = _random_pool_config(rng)
    x = _pool_values(rng, cfg, POOL_MODES[seed % len(POOL_MODES)])
    _check_pool_case(cfg, x, rng)


POOL_EDGE_CASES: dict[str, PoolCfg] = {
    "one-window-padded": (2, 2, 3, 5, None, 2),
    "one-window-width1": (1, 3, 1, 3, None, 1),
    "one-window-k-equals-w": (3, 1, 5, 5, 1, 0),
    "k1": (2, 2, 7, 1, None, 0),
    "tail-unread-default-stride": (1, 2, 7, 2, None, 0),
    "stride-gt-k": (2, 1, 10, 2, 4, 0),
    "stride-gt-k-padded": (1, 2, 11, 3, 4, 1),
    "overlap-stride1-padded": (2, 3, 8, 5, 1, 2),
    "overlap-stride2": (1, 1, 12, 4, 2, 2),
}


@pytest.mark.parametrize("mode", POOL_MODES)
@pytest.mark.parametrize("cfg", POOL_EDGE_CASES.values(), ids=POOL_EDGE_CASES.keys())
def test_maxpool_edge_cases_vs_oracle(cfg: PoolCfg, mode: str) -> None:
    rng = np.random.default_rng(sum(v or 0 for v in cfg) + len(mode))
    _check_pool_case(cfg, _pool_values(rng, cfg, mode), rng)


def test_maxpool_default_stride_is_kernel_size() -> None:
    x = np.random.default_rng(0).integers(-2, 3, size=(2, 3, 11)).astype(np.float64)
    delta = np.arange(1.0, 1.0 + 2 * 3 * 3).reshape(2, 3, 3)
    np.testing.assert_array_equal(
        ref.maxpool1d_backward(x, delta, 3), ref.maxpool1d_backward(x, delta, 3, stride=3)
    )


# ---------------------------------------------------------------------------------------
# (c) finite differences of the forward passes
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(N_FINITE_DIFF))
def test_conv_finite_differences(seed: int) -> None:
    rng = np.random.default_rng(9000 + seed)
    cfg = _random_conv_config(rng)
    _, _, _, width, k, s, p, d = cfg
    x, w, g = _conv_values(rng, cfg, "float64")

    def loss_x(xv: np.ndarray) -> float:
        return float(np.sum(ref.conv1d_forward(xv, w, stride=s, padding=p, dilation=d) * g))

    def loss_w(wv: np.ndarray) -> float:
        return float(np.sum(ref.conv1d_forward(x, wv, stride=s, padding=p, dilation=d) * g))

    # L is linear in each argument, so centred differences are exact up to rounding
    h = 1e-3
    dx = ref.conv1d_backward_input(g, w, width, stride=s, padding=p, dilation=d)
    dw = ref.conv1d_backward_w(x, g, k, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(dx, orc.numerical_gradient(loss_x, x, h), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(dw, orc.numerical_gradient(loss_w, w, h), rtol=1e-7, atol=1e-8)


def _separated(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct values at least 0.5 apart, so a small step never changes a window's winner."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.5 - 3.0


@pytest.mark.parametrize("seed", range(N_FINITE_DIFF))
def test_maxpool_finite_differences(seed: int) -> None:
    rng = np.random.default_rng(13000 + seed)
    cfg = _random_pool_config(rng)
    n, c, width, k, s, p = cfg
    x = _separated(rng, (n, c, width))
    g = rng.standard_normal(ref.maxpool1d_forward(x, k, stride=s, padding=p).shape)

    def loss(xv: np.ndarray) -> float:
        return float(np.sum(ref.maxpool1d_forward(xv, k, stride=s, padding=p) * g))

    numeric = orc.numerical_gradient(loss, x, 1e-3)
    got = ref.maxpool1d_backward(x, g, k, stride=s, padding=p)
    np.testing.assert_allclose(got, numeric, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_conv_then_pool_chain_rule(seed: int) -> None:
    # Figure 1's architecture: input -> convolution -> max-pooling -> loss
    rng = np.random.default_rng(17000 + seed)
    x = rng.standard_normal((2, 2, 11))
    w = rng.standard_normal((3, 2, 3))
    z = ref.conv1d_forward(x, w, padding=1)
    g = rng.standard_normal(ref.maxpool1d_forward(z, 2).shape)

    def loss(xv: np.ndarray) -> float:
        return float(np.sum(ref.maxpool1d_forward(ref.conv1d_forward(xv, w, padding=1), 2) * g))

    # Gaussian inputs make a tie (or a winner swap within h) vanishingly unlikely
    dz = ref.maxpool1d_backward(z, g, 2)
    dx = ref.conv1d_backward_input(dz, w, 11, padding=1)
    np.testing.assert_allclose(dx, orc.numerical_gradient(loss, x, 1e-6), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------------
# (d) hygiene: inputs untouched, exact shapes, float32
# ---------------------------------------------------------------------------------------


def _frozen(a: np.ndarray) -> np.ndarray:
    # read-only arrays make any in-place write raise; the copy catches anything subtler
    b = a.copy()
    b.setflags(write=False)
    return b


@pytest.mark.parametrize("seed", range(10))
def test_inputs_not_modified_and_shapes_exact(seed: int) -> None:
    rng = np.random.default_rng(21000 + seed)
    cfg = _random_conv_config(rng)
    n, c_in, c_out, width, k, s, p, d = cfg
    mode = "float32" if seed % 2 else "float64"
    x, w, delta = (_frozen(a) for a in _conv_values(rng, cfg, mode))
    before = [a.copy() for a in (x, w, delta)]
    kw = {"stride": s, "padding": p, "dilation": d}
    assert ref.conv1d_backward_w(x, delta, k, **kw).shape == (c_out, c_in, k)
    assert ref.conv1d_backward_input(delta, w, width, **kw).shape == (n, c_in, width)
    for a, b in zip((x, w, delta), before, strict=True):
        np.testing.assert_array_equal(a, b)

    pcfg = _random_pool_config(rng)
    pn, pc, pwidth, pk, ps, pp = pcfg
    px = _frozen(_pool_values(rng, pcfg, "small-int"))
    pdelta = _frozen(rng.standard_normal(ref.maxpool1d_forward(px, pk, ps, pp).shape))
    pbefore = [px.copy(), pdelta.copy()]
    assert ref.maxpool1d_backward(px, pdelta, pk, stride=ps, padding=pp).shape == (pn, pc, pwidth)
    for a, b in zip((px, pdelta), pbefore, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(10))
def test_float32_close_to_float64(seed: int) -> None:
    rng = np.random.default_rng(25000 + seed)
    cfg = _random_conv_config(rng)
    _, _, _, width, k, s, p, d = cfg
    x32, w32, d32 = _conv_values(rng, cfg, "float32")
    x64, w64, d64 = (a.astype(np.float64) for a in (x32, w32, d32))
    kw = {"stride": s, "padding": p, "dilation": d}
    _assert_close(
        ref.conv1d_backward_w(x32, d32, k, **kw),
        ref.conv1d_backward_w(x64, d64, k, **kw),
        np.float32,
    )
    _assert_close(
        ref.conv1d_backward_input(d32, w32, width, **kw),
        ref.conv1d_backward_input(d64, w64, width, **kw),
        np.float32,
    )
    pcfg = _random_pool_config(rng)
    _, _, _, pk, ps, pp = pcfg
    px32 = _pool_values(rng, pcfg, "float32")
    pd32 = rng.standard_normal(ref.maxpool1d_forward(px32, pk, ps, pp).shape).astype(np.float32)
    _assert_close(
        ref.maxpool1d_backward(px32, pd32, pk, stride=ps, padding=pp),
        ref.maxpool1d_backward(
            px32.astype(np.float64), pd32.astype(np.float64), pk, stride=ps, padding=pp
        ),
        np.float32,
    )


# ---------------------------------------------------------------------------------------
# (e) the dtype contract: float32 or float64, anything else refused with a clear message
# ---------------------------------------------------------------------------------------

# every function of the reference, called with (x-like, other, integer arguments)
CALLS = {
    "conv1d_forward": lambda x, w: ref.conv1d_forward(x, w),
    "conv1d_backward_w": lambda x, w: ref.conv1d_backward_w(x, np.ones((1, 1, 4), w.dtype), 3),
    "conv1d_backward_input": lambda x, w: ref.conv1d_backward_input(
        np.ones((1, 1, 4), x.dtype), w, 6
    ),
    "maxpool1d_forward": lambda x, w: ref.maxpool1d_forward(x, 3, padding=1),
    "maxpool1d_backward": lambda x, w: ref.maxpool1d_backward(
        x, np.ones((1, 1, 2), w.dtype), 3, padding=1
    ),
}
REFUSED = [np.int64, np.int32, np.uint8, np.bool_, np.float16, np.complex128]


@pytest.mark.parametrize("dtype", REFUSED, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("function", list(CALLS))
def test_other_dtypes_are_refused_with_a_message_saying_how_to_convert(function, dtype) -> None:
    x = np.array([1, 5, 2, 0, 3, 4]).reshape(1, 1, 6).astype(dtype)
    w = np.array([1, 0, 2]).reshape(1, 1, 3).astype(dtype)
    with pytest.raises(TypeError) as raised:
        CALLS[function](x, w)
    message = str(raised.value)
    assert message.startswith(f"{function}: ")
    assert "must be a float32 or float64 array" in message
    assert f"got {np.dtype(dtype).name}" in message and ".astype(np.float64)" in message


@pytest.mark.parametrize(
    "dtypes", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)]
)
@pytest.mark.parametrize("function", list(CALLS))
def test_float32_and_float64_are_accepted(function, dtypes) -> None:
    x = np.array([1, 5, 2, 0, 3, 4]).reshape(1, 1, 6).astype(dtypes[0])
    w = np.array([1, 0, 2]).reshape(1, 1, 3).astype(dtypes[1])
    assert np.asarray(CALLS[function](x, w)).dtype in (np.float32, np.float64)


ALL_DTYPES = sorted(
    {np.dtype(t) for t in np.sctypeDict.values() if np.dtype(t).kind in "biufc"}, key=str
)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_the_handouts_advice_works_for_every_input_the_forward_passes_accept(dtype) -> None:
    """ "Allocate with np.result_type(x, delta)" and "pad the pool with -inf" never break."""
    x = np.array([1, 5, 2, 0, 3, 4]).reshape(1, 1, 6).astype(dtype)
    try:
        ref.maxpool1d_forward(x, 3)
        ref.conv1d_forward(x, x[:, :, :3])
    except TypeError:
        return  # refused with its message (the test above): no advice needed
    delta = np.ones((1, 1, 2), dtype)
    assert np.issubdtype(np.result_type(x, delta), np.floating)
    np.pad(x, ((0, 0), (0, 0), (1, 1)), constant_values=-np.inf)  # no OverflowError


def test_hidden_cases_never_draw_another_dtype() -> None:
    from cnn_backprop.cases import draw_conv, draw_pool

    rng = np.random.default_rng(0)
    for dtype in (np.int64, np.float16):
        with pytest.raises(ValueError, match="float32 or float64"):
            draw_conv(rng, dtype=dtype)
        with pytest.raises(ValueError, match="float32 or float64"):
            draw_pool(rng, dtype=dtype)
