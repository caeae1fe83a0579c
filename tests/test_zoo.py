"""The zoo of student submissions, graded against the reference on fixed cases.

``tests/zoo/correct/`` holds complete correct submissions in different styles; each
must match ``solutions/reference.py`` on every case below and leave its inputs alone.
``tests/zoo/mistakes.py`` catalogues realistic wrong functions; each must be caught
by at least one case of its own function (wrong values, wrong shape, an exception, or
a modified input) while the submission's other two functions stay the correct ones.

The cases are a fixed, seeded list spanning the note's examples and the awkward
corners of the contract (unread trailing inputs, one-output layers, dilation, ties,
all-negative windows, padding, the default pooling stride, float32).
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

_HERE = Path(__file__).resolve().parent
_ZOO = _HERE / "zoo"


def _load(name: str, path: Path) -> ModuleType:
    # by file path, so this works whatever pytest's import mode or the packaging; the
    # module is registered because dataclasses look their module up while being built
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ref = _load("_zoo_reference", _HERE.parent / "solutions" / "reference.py")
zoo = _load("_zoo_mistakes", _ZOO / "mistakes.py")

FUNCTIONS: tuple[str, ...] = zoo.FUNCTIONS
CONV_W, CONV_INPUT, POOL = FUNCTIONS
STYLE_PATHS = {path.stem: path for path in sorted((_ZOO / "correct").glob("*.py"))}
STYLES = {name: _load(f"_zoo_correct_{name}", path) for name, path in STYLE_PATHS.items()}
MISTAKES = {mistake.name: mistake for mistake in zoo.MISTAKES}

F64_RTOL = 1e-9
F32_RTOL = 1e-4


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One call: ``function(*args, **kwargs)``, graded like the autograder calls it."""

    function: str
    label: str
    args: tuple[Any, ...]  # the first three arguments, positional
    kwargs: dict[str, int | None]  # stride / padding / dilation, by keyword

    @property
    def float32(self) -> bool:
        return any(getattr(arg, "dtype", None) == np.float32 for arg in self.args)

    @property
    def id(self) -> str:
        return f"{self.function}: {self.label}"


_CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1}


def _conv(
    label: str,
    seed: int,
    shape: tuple[int, int, int, int, int],
    *,
    dtype: type = np.float64,
    explicit: bool = False,
    **settings: int,
) -> list[Case]:
    """A weight-gradient and an input-gradient case; shape is (N, C_in, C_out, W, K)."""
    n, c_in, c_out, width, k = shape
    given = {**_CONV_DEFAULTS, **settings}
    stride, padding, dilation = given["stride"], given["padding"], given["dilation"]
    w_out = (width + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    assert w_out >= 1, label
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c_in, width)).astype(dtype)
    w = rng.standard_normal((c_out, c_in, k)).astype(dtype)
    delta = rng.standard_normal((n, c_out, w_out)).astype(dtype)
    kwargs = {key: v for key, v in given.items() if explicit or v != _CONV_DEFAULTS[key]}
    return [
        Case(CONV_W, label, (x, delta, k), kwargs),
        Case(CONV_INPUT, label, (delta, w, width), kwargs),
    ]


def _pool(label: str, seed: int, x: np.ndarray, kernel_size: int, **kwargs: int | None) -> Case:
    """A pooling case with random deltas; kwargs are passed on exactly as given."""
    stride = kwargs.get("stride") or kernel_size
    w_out = (x.shape[2] + 2 * kwargs.get("padding", 0) - kernel_size) // stride + 1
    assert w_out >= 1, label
    rng = np.random.default_rng(seed)
    delta = rng.standard_normal((*x.shape[:2], w_out)).astype(x.dtype)
    return Case(POOL, label, (x, delta, kernel_size), dict(kwargs))


def _normal(seed: int, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _small_ints(seed: int, shape: tuple[int, ...], low: int, high: int, dtype=np.float64):
    return np.random.default_rng(seed).integers(low, high, shape).astype(dtype)


def _negative(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return -np.random.default_rng(seed).uniform(1.0, 5.0, shape)


def _build_cases() -> list[Case]:
    p = np.arange(1.0, 7.0).reshape(1, 1, 6)
    s = np.array([1.0, 0.0, -1.0, 2.0]).reshape(1, 1, 4)
    note_w = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3)
    cases = [
        # the note's equations (5)-(7) and (10)-(15)
        Case(CONV_W, "note example", (p, s, 3), {}),
        Case(CONV_INPUT, "note example", (s, note_w, 6), {}),
        *_conv("random", 1, (2, 3, 4, 11, 3)),
        *_conv("equal channel counts", 2, (3, 3, 3, 9, 2)),
        *_conv("kernel 1", 3, (2, 2, 3, 7, 1)),
        *_conv("kernel 1, stride 2, last input unread", 4, (2, 3, 2, 8, 1), stride=2),
        *_conv("one output: kernel spans the padded input", 5, (2, 2, 3, 5, 7), padding=1),
        *_conv("one output, no padding", 6, (3, 1, 2, 6, 6)),
        *_conv("stride 2, last input unread", 7, (2, 2, 3, 10, 3), stride=2),
        *_conv("stride 3, two inputs unread", 8, (1, 3, 2, 13, 2), stride=3),
        *_conv("stride 4, padding 1, one input unread", 9, (2, 2, 2, 15, 3), stride=4, padding=1),
        *_conv("padding 1", 10, (2, 3, 2, 8, 3), padding=1),
        *_conv("padding 2", 11, (3, 2, 2, 6, 5), padding=2),
        *_conv("dilation 2", 12, (2, 2, 3, 12, 3), dilation=2),
        *_conv(
            "dilation 3, stride 2, padding 2", 13, (2, 3, 3, 16, 3), stride=2, padding=2, dilation=3
        ),
        *_conv(
            "dilation 2, stride 3, last input unread",
            14,
            (2, 2, 2, 20, 4),
            stride=3,
            dilation=2,
        ),
        *_conv("one channel, batch of 4", 15, (4, 1, 1, 9, 4)),
        *_conv("default settings passed explicitly", 16, (2, 2, 3, 7, 3), explicit=True),
        *_conv("bigger batch and channels", 19, (5, 4, 5, 24, 5), stride=2, padding=2),
        *_conv("float32", 17, (2, 3, 2, 10, 3), dtype=np.float32),
        *_conv(
            "float32, stride 2, padding 1, dilation 2",
            18,
            (3, 2, 4, 14, 3),
            dtype=np.float32,
            stride=2,
            padding=1,
            dilation=2,
        ),
        # the note's equations (18)-(23): windows {z0, z1, z2} and {z3, z4, z5}
        Case(
            POOL,
            "note example",
            (
                np.array([1.0, 5.0, 2.0, -1.0, -3.0, 0.5]).reshape(1, 1, 6),
                np.array([10.0, 20.0]).reshape(1, 1, 2),
                3,
            ),
            {},
        ),
        _pool("non-overlapping windows", 21, _normal(21, (2, 3, 10)), 2, stride=2),
        _pool("overlapping windows share a maximum", 22, _shared_max(), 3, stride=1),
        _pool("overlapping windows", 23, _normal(23, (2, 2, 13)), 4, stride=2),
        _pool("stride larger than the window", 24, _normal(24, (2, 2, 11)), 2, stride=3),
        _pool("default stride, trailing remainder", 25, _normal(25, (2, 2, 11)), 3),
        _pool("stride=None passed explicitly", 26, _normal(26, (1, 3, 9)), 2, stride=None),
        _pool("ties from small integers", 27, _small_ints(27, (3, 2, 15), 0, 3), 3, stride=2),
        _pool("ties, overlapping", 28, _small_ints(28, (2, 2, 12), 0, 2), 4, stride=1),
        _pool("constant windows", 29, np.zeros((2, 2, 9)), 3, stride=2),
        _pool("constant negative, padding 1", 38, np.full((1, 2, 8), -2.5), 3, stride=2, padding=1),
        _pool("all negative", 30, _negative(30, (2, 2, 12)), 3, stride=2),
        _pool("all negative, padding 1", 31, _negative(31, (2, 3, 10)), 3, stride=2, padding=1),
        _pool("padding 2, window 4", 32, _normal(32, (2, 2, 11)), 4, stride=3, padding=2),
        _pool("ties and padding", 33, _small_ints(33, (2, 2, 9), -1, 2), 2, stride=1, padding=1),
        _pool("kernel 1", 34, _normal(34, (2, 2, 5)), 1),
        _pool("one window covers the row", 35, _normal(35, (2, 2, 6)), 6),
        _pool("float32", 36, _normal(36, (2, 3, 12), np.float32), 3, stride=2, padding=1),
        _pool("float32 ties", 37, _small_ints(37, (2, 2, 10), 0, 3, np.float32), 2, stride=1),
    ]
    assert len({case.id for case in cases}) == len(cases)
    return cases


def _shared_max() -> np.ndarray:
    # 3.0 wins windows 0 and 1, and -0.25 wins windows 3 and 4, with stride 1
    return np.array(
        [
            [[0.1, 3.0, -1.0, 0.5, 2.0, -0.2, 0.3]],
            [[-2.0, -1.0, -4.0, -0.5, -3.0, -0.25, -6.0]],
        ]
    ).reshape(1, 2, 7)


CASES = _build_cases()
CASES_OF = {f: [case for case in CASES if case.function == f] for f in FUNCTIONS}


# --------------------------------------------------------------------------- grading


@dataclass(frozen=True)
class Outcome:
    """What one function did on one case, compared with the reference."""

    raised: str | None = None
    modified_input: bool = False
    shape_ok: bool = True
    error: float = 0.0  # max |got - expected| / max |expected|
    rtol: float = F64_RTOL
    dtype: np.dtype | None = None
    contiguous: bool = True

    @property
    def values_ok(self) -> bool:
        return self.raised is None and self.shape_ok and self.error < self.rtol

    @property
    def ok(self) -> bool:
        return self.values_ok and not self.modified_input

    def __str__(self) -> str:
        if self.raised is not None:
            return f"raised {self.raised}"
        problems = ["modified an input"] if self.modified_input else []
        if not self.shape_ok:
            problems.append("wrong shape")
        elif not self.error < self.rtol:
            problems.append(f"relative error {self.error:.2e}")
        return ", ".join(problems) or "ok"


def _copies(args: tuple[Any, ...]) -> list[Any]:
    return [arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args]


@functools.cache
def _expected(case_id: str) -> np.ndarray:
    case = _CASE_BY_ID[case_id]
    result = getattr(ref, case.function)(*_copies(case.args), **case.kwargs)
    return np.asarray(result, dtype=np.float64)


_CASE_BY_ID = {case.id: case for case in CASES}


def _grade(fn: Callable[..., Any], case: Case) -> Outcome:
    expected = _expected(case.id)
    args = _copies(case.args)
    try:
        got = fn(*args, **case.kwargs)
    except Exception as exc:  # a crash is a (detected) failure, not a test error
        return Outcome(raised=f"{type(exc).__name__}: {exc}")
    modified = any(
        isinstance(arg, np.ndarray) and not np.array_equal(arg, orig)
        for arg, orig in zip(args, case.args, strict=True)
    )
    if not isinstance(got, np.ndarray) or got.shape != expected.shape:
        return Outcome(modified_input=modified, shape_ok=False)
    rtol = F32_RTOL if case.float32 else F64_RTOL
    with np.errstate(all="ignore"):
        diff = np.abs(got.astype(np.float64) - expected)
        error = float(np.max(diff) / max(np.max(np.abs(expected)), np.finfo(float).tiny))
    if np.isnan(error):
        error = np.inf
    return Outcome(
        modified_input=modified,
        error=error,
        rtol=rtol,
        dtype=got.dtype,
        contiguous=bool(got.flags.c_contiguous),
    )


# ------------------------------------------------------------------ the correct zoo


def test_cases_are_sound() -> None:
    # the reference accepts every case, and the mistakes' detectors have what they need
    for case in CASES:
        assert np.all(np.isfinite(_expected(case.id))), case.id
        assert np.max(np.abs(_expected(case.id))) > 0, case.id
    for f in FUNCTIONS:
        assert any(case.float32 for case in CASES_OF[f]), f
        assert any(not case.float32 for case in CASES_OF[f]), f


def test_zoo_has_the_required_styles() -> None:
    required = {"loops", "windows_einsum", "fft", "correlate", "im2col"}
    assert required <= set(STYLES)
    assert len(STYLES) >= 6


def _top_level_defs(tree: ast.Module) -> list[str]:
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


@pytest.mark.parametrize("style", sorted(STYLE_PATHS))
def test_style_is_a_standalone_numpy_module(style: str) -> None:
    tree = ast.parse(STYLE_PATHS[style].read_text(encoding="utf-8"))
    assert set(FUNCTIONS) <= set(_top_level_defs(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        else:
            continue
        assert roots <= {"numpy", "__future__"} | set(sys.stdlib_module_names), roots


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("style", sorted(STYLES))
def test_correct_style_matches_reference(style: str, function: str) -> None:
    fn = getattr(STYLES[style], function)
    failures = []
    for case in CASES_OF[function]:
        outcome = _grade(fn, case)
        if not outcome.ok:
            failures.append(f"{case.label}: {outcome}")
        elif not case.float32 and outcome.dtype != np.float64:
            failures.append(f"{case.label}: float64 inputs gave {outcome.dtype}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_im2col_returns_float32_views(function: str) -> None:
    # the zoo must exercise graders on non-contiguous and float32 results
    fn = getattr(STYLES["im2col"], function)
    outcomes = [(case, _grade(fn, case)) for case in CASES_OF[function]]
    assert all(o.dtype == np.float32 for case, o in outcomes if case.float32)
    assert any(not o.contiguous for _, o in outcomes)


# ----------------------------------------------------------------------- mistakes


def test_mistake_catalogue_is_well_formed() -> None:
    assert len(zoo.MISTAKES) >= 30
    assert len(MISTAKES) == len(zoo.MISTAKES), "duplicate names"
    for f in FUNCTIONS:
        assert sum(m.function == f for m in zoo.MISTAKES) >= 8, f
    base = ast.parse(zoo.BASE_SUBMISSION.read_text(encoding="utf-8"))
    base_names = set(_top_level_defs(base))
    for mistake in zoo.MISTAKES:
        assert mistake.function in FUNCTIONS, mistake.name
        text = mistake.description
        assert "\n" not in text and text.endswith(".") and ". " not in text, mistake.name
        tree = ast.parse(mistake.source)
        defs = _top_level_defs(tree)
        assert defs[-1] == mistake.function, mistake.name
        helpers = defs[:-1]
        assert all(h.startswith("_") and h not in base_names for h in helpers), mistake.name
        assert all(isinstance(node, ast.FunctionDef) for node in tree.body), mistake.name
    sources = [" ".join(m.source.split()) for m in zoo.MISTAKES]
    assert len(set(sources)) == len(sources), "two mistakes with the same source"


@functools.cache
def _namespace(name: str) -> dict[str, Any]:
    source = zoo.submission_source(MISTAKES[name])
    namespace: dict[str, Any] = {"__name__": f"zoo_mistake_{name}"}
    exec(compile(source, f"<zoo mistake {name}>", "exec"), namespace)
    return namespace


@functools.cache
def _mistake_outcomes(name: str) -> tuple[tuple[Case, Outcome], ...]:
    mistake = MISTAKES[name]
    fn = _namespace(name)[mistake.function]
    return tuple((case, _grade(fn, case)) for case in CASES_OF[mistake.function])


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_is_caught(name: str) -> None:
    caught = [case.label for case, outcome in _mistake_outcomes(name) if not outcome.ok]
    assert caught, f"{name} passes every {MISTAKES[name].function} case"


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_leaves_other_functions_correct(name: str) -> None:
    mistake = MISTAKES[name]
    namespace = _namespace(name)
    base_lines = len(zoo.BASE_SUBMISSION.read_text(encoding="utf-8").splitlines())
    loops = STYLES["loops"]
    for f in FUNCTIONS:
        code = namespace[f].__code__
        if f == mistake.function:
            assert code.co_firstlineno > base_lines, "the mistake did not replace it"
            continue
        # defined by the loops.py text, not by the mistake, and behaves identically
        assert code.co_firstlineno <= base_lines, f
        assert code.co_code == getattr(loops, f).__code__.co_code, f
        for case in CASES_OF[f][:4]:
            got = namespace[f](*_copies(case.args), **case.kwargs)
            want = getattr(loops, f)(*_copies(case.args), **case.kwargs)
            np.testing.assert_array_equal(got, want)
