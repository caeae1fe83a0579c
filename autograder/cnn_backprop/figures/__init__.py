"""The handout's worked examples and figures, computed with the reference at build time.

``assignment/examples.py`` names the arrays of every worked example; :func:`examples` runs
them through ``solutions/reference.py`` and :func:`render` draws the figures from the results.
The handout fills its ``{{ value: NAME.FIELD }}`` placeholders from the same
:class:`Example` objects, so the numbers in the text and in the pictures are one set.

Figures are drawn with Matplotlib's Agg canvas (no pyplot, no global backend switch) under
Matplotlib's built-in default style, and encoded as PNG here with the standard library's
zlib: Pillow's encoder (what ``savefig`` uses) changes its compressed bytes from one release
to the next, and the committed ``student_template/`` must be byte-identical to a fresh build.
Only the instructor's build needs Matplotlib; students see the PNGs as notebook attachments.

``python -m cnn_backprop.figures DIR`` writes the PNGs to ``DIR`` to look at them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # Matplotlib is imported lazily: only the build draws
    from matplotlib.figure import Figure

    from ..course import Course


from .conv import _conv_forward, _conv_grad_input, _conv_grad_w, _conv_stride_dilation
from .examples import Example, ExampleError, examples, latex, number, value
from .pool import _maxpool_routing

__all__ = [
    "FIGURES",
    "Example",
    "ExampleError",
    "FigureSpec",
    "examples",
    "latex",
    "number",
    "render",
    "value",
    "write_all",
]


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the handout: its alt text and the function that draws it."""

    alt: str
    draw: Callable[[Course], Figure]


FIGURES: dict[str, FigureSpec] = {
    "conv_forward": FigureSpec(
        "Figure 1: the inputs p0 to p5 connected to the outputs z0 to z3, each line labelled "
        "with the weight w0, w1 or w2 it goes through",
        _conv_forward,
    ),
    "conv_grad_w": FigureSpec(
        "Figure 2: the grid of products p_i s_j with the three diagonals that sum to "
        "dF/dw0, dF/dw1 and dF/dw2",
        _conv_grad_w,
    ),
    "conv_grad_input": FigureSpec(
        "Figure 3: the flipped filter in its six positions over the zero-padded deltas, "
        "with the resulting dF/dp_i",
        _conv_grad_input,
    ),
    "stride_dilation": FigureSpec(
        "Figure 4: with stride 2 zeros are inserted between the deltas; with dilation 2 "
        "the flipped filter has gaps",
        _conv_stride_dilation,
    ),
    "maxpool_routing": FigureSpec(
        "Figure 5: max-pooling deltas routed to the winners of overlapping windows, "
        "with a tie and an all-negative window",
        _maxpool_routing,
    ),
}


# ---------------------------------------------------------------------------------------------
# Rendering


def _png(rgb: np.ndarray) -> bytes:
    """A PNG of an ``(H, W, 3)`` uint8 image, made with the standard library only."""
    h, w, _ = rgb.shape
    rows = rgb.reshape(h, w * 3).astype(np.int16)
    # filter "Sub" on every row (difference with the pixel to the left): flat-coloured
    # drawings then compress several times better than unfiltered rows
    sub = rows.copy()
    sub[:, 3:] = (rows[:, 3:] - rows[:, :-3]) % 256
    raw = np.hstack([np.ones((h, 1), dtype=np.int16), sub]).astype(np.uint8).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@cache
def render(course: Course, name: str) -> bytes:
    """The PNG bytes of one figure (deterministic: same inputs, same bytes).

    Parameters
    ----------
    name : str
        A key of :data:`FIGURES`.

    Returns
    -------
    bytes
        The PNG file.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if name not in FIGURES:
        raise ExampleError(f"no figure named {name!r}; there are {sorted(FIGURES)}")
    # Matplotlib's own defaults, whatever the instructor's matplotlibrc says
    with mpl.rc_context():
        mpl.rcdefaults()
        mpl.rcParams.update({"font.family": "DejaVu Sans", "mathtext.fontset": "dejavusans"})
        fig = FIGURES[name].draw(course)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
    return _png(np.ascontiguousarray(rgba[:, :, :3]))


def write_all(course: Course, out: Path) -> list[Path]:
    """Write every figure as ``out/NAME.png``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FIGURES:
        path = out / f"{name}.png"
        path.write_bytes(render(course, name))
        written.append(path)
    return written
