"""Check the reference solutions against PyTorch autograd (on demand, not part of the tests).

PyTorch is an independent implementation of the same layers, so agreement with it on
random configurations is strong evidence that ``solutions/reference.py`` is right,
including its tie rule for max-pooling (PyTorch routes a tied window's delta to the
first maximal element).  For each case we build ``L = sum(layer(x) * G)`` in float64
torch tensors, call ``L.backward()``, and compare ``x.grad`` / ``w.grad`` with the
reference's backward functions called with ``delta = G``.

PyTorch is deliberately not a project dependency; install it in a separate venv::

    python3 -m venv /work/torchvenv
    /work/torchvenv/bin/pip install numpy torch==2.13.0
    /work/torchvenv/bin/python benchmarks/check_against_torch.py

Exits 0 when every case agrees, 1 on any disagreement, 2 when torch is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

REFERENCE_PATH = Path(__file__).resolve().parent.parent / "solutions" / "reference.py"

# float64 should agree to rounding; float32 inputs only to single precision
TOLERANCE = {"float64": 1e-10, "float32": 1e-4}


def load_reference(path: Path = REFERENCE_PATH) -> ModuleType:
    """Import ``solutions/reference.py`` by file path (it is not an installed package).

    Parameters
    ----------
    path : Path
        Location of the reference module.

    Returns
    -------
    module : ModuleType
    """
    spec = importlib.util.spec_from_file_location("reference_for_torch_check", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Tally:
    """Largest absolute error seen per (function, dtype), and the tie bookkeeping."""

    max_err: dict[tuple[str, str], float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    tie_cases: int = 0
    tie_agree: int = 0

    def record(self, name: str, dtype: str, got: np.ndarray, want: np.ndarray, case: str) -> None:
        """Compare one result with torch's, remember the error, and flag a disagreement."""
        got = np.asarray(got)
        if got.shape != want.shape:
            self.failures.append(f"{case}: {name} shape {got.shape} != torch {want.shape}")
            return
        err = float(np.max(np.abs(got.astype(np.float64) - want), initial=0.0))
        key = (name, dtype)
        self.max_err[key] = max(self.max_err.get(key, 0.0), err)
        if not err <= TOLERANCE[dtype]:  # `not <=` also catches NaN
            self.failures.append(f"{case}: {name} ({dtype}) max abs error {err:.3g}")


def _conv_config(rng: np.random.Generator) -> tuple[int, ...]:
    while True:  # resample until the layer has at least one output
        n, c_in, c_out = (int(v) for v in rng.integers(1, [4, 5, 5]))
        width, k = int(rng.integers(1, 13)), int(rng.integers(1, 6))
        s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 3)), int(rng.integers(1, 4))
        if (width + 2 * p - d * (k - 1) - 1) // s + 1 >= 1:
            return n, c_in, c_out, width, k, s, p, d


def _pool_config(rng: np.random.Generator) -> tuple[int, int, int, int, int | None, int]:
    while True:
        n, c = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        width, k = int(rng.integers(1, 13)), int(rng.integers(1, 6))
        s = None if rng.random() < 0.25 else int(rng.integers(1, 5))
        p = int(rng.integers(0, k // 2 + 1))
        if (width + 2 * p - k) // (k if s is None else s) + 1 >= 1:
            return n, c, width, k, s, p


def check_conv(ref: ModuleType, torch: ModuleType, seed: int, tally: Tally) -> None:
    """One random convolution case: forward, dL/dw and dL/dx against torch."""
    import torch.nn.functional as F

    rng = np.random.default_rng(seed)
    n, c_in, c_out, width, k, s, p, d = _conv_config(rng)
    dtype = "float32" if seed % 3 == 0 else "float64"
    x = rng.standard_normal((n, c_in, width)).astype(dtype)
    w = rng.standard_normal((c_out, c_in, k)).astype(dtype)
    case = f"conv seed={seed} N={n} Cin={c_in} Cout={c_out} W={width} K={k} S={s} P={p} D={d}"

    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    wt = torch.tensor(w.astype(np.float64), requires_grad=True)
    zt = F.conv1d(xt, wt, stride=s, padding=p, dilation=d)
    g = rng.standard_normal(tuple(zt.shape)).astype(dtype)
    (zt * torch.tensor(g.astype(np.float64))).sum().backward()

    kw = {"stride": s, "padding": p, "dilation": d}
    tally.record("conv1d_forward", dtype, ref.conv1d_forward(x, w, **kw), zt.detach().numpy(), case)
    tally.record(
        "conv1d_backward_w", dtype, ref.conv1d_backward_w(x, g, k, **kw), wt.grad.numpy(), case
    )
    tally.record(
        "conv1d_backward_input",
        dtype,
        ref.conv1d_backward_input(g, w, width, **kw),
        xt.grad.numpy(),
        case,
    )


def _has_tie(x: np.ndarray, k: int, s: int, p: int, w_out: int) -> bool:
    """Whether some window's maximum is attained by two or more real (unpadded) inputs."""
    width = x.shape[2]
    for t in range(w_out):
        lo, hi = max(t * s - p, 0), min(t * s - p + k, width)
        window = x[:, :, lo:hi]
        top = window.max(axis=-1, keepdims=True)
        if np.any((window == top).sum(axis=-1) > 1):
            return True
    return False


def check_pool(ref: ModuleType, torch: ModuleType, seed: int, tally: Tally) -> None:
    """One random max-pooling case: forward and dL/dx against torch, ties included."""
    import torch.nn.functional as F

    rng = np.random.default_rng(seed)
    n, c, width, k, s, p = _pool_config(rng)
    mode = ("gauss", "small-int", "constant", "negative-int", "float32")[seed % 5]
    shape = (n, c, width)
    if mode == "small-int":
        x = rng.integers(-2, 3, size=shape).astype(np.float64)
    elif mode == "constant":
        x = np.full(shape, float(rng.integers(-3, 4)))
    elif mode == "negative-int":
        x = rng.integers(-6, -3, size=shape).astype(np.float64)
    else:
        x = rng.standard_normal(shape)
    dtype = "float32" if mode == "float32" else "float64"
    x = x.astype(dtype)
    case = f"pool seed={seed} mode={mode} N={n} C={c} W={width} K={k} S={s} P={p}"

    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    yt = F.max_pool1d(xt, k, stride=s, padding=p)
    # integer deltas: sums are exact, so any routing difference shows up as a real error
    g = rng.integers(1, 100, size=tuple(yt.shape)).astype(dtype)
    (yt * torch.tensor(g.astype(np.float64))).sum().backward()

    y = ref.maxpool1d_forward(x, k, stride=s, padding=p)
    dx = ref.maxpool1d_backward(x, g, k, stride=s, padding=p)
    before = len(tally.failures)
    tally.record("maxpool1d_forward", dtype, y, yt.detach().numpy(), case)
    tally.record("maxpool1d_backward", dtype, dx, xt.grad.numpy(), case)
    if _has_tie(x, k, k if s is None else s, p, int(yt.shape[2])):
        tally.tie_cases += 1
        tally.tie_agree += len(tally.failures) == before


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print a summary.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (defaults to ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 if everything agrees, 1 on disagreement, 2 if torch is unavailable.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=150, help="cases per layer (default 150)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        print("torch is not installed; see this script's docstring for the separate venv.")
        return 2
    torch.manual_seed(0)
    ref = load_reference()

    tally = Tally()
    for i in range(args.cases):
        check_conv(ref, torch, args.seed + i, tally)
        check_pool(ref, torch, args.seed + 100_000 + i, tally)

    print(f"torch {torch.__version__}, numpy {np.__version__}, {2 * args.cases} cases")
    for (name, dtype), err in sorted(tally.max_err.items()):
        print(f"  {name:<24} {dtype:<8} max abs error {err:.3e}  (tolerance {TOLERANCE[dtype]:g})")
    print(f"  max-pool tie cases: {tally.tie_cases}, routing agrees in {tally.tie_agree}")
    if tally.failures:
        print(f"DISAGREEMENT in {len(tally.failures)} comparisons, first few:")
        for line in tally.failures[:10]:
            print("  " + line)
        return 1
    print("OK: the reference agrees with PyTorch autograd on every case")
    return 0


if __name__ == "__main__":
    sys.exit(main())
