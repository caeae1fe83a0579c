"""``python -m cnn_backprop.figures DIR``: write the PNGs to ``DIR`` to look at them."""

import sys
from pathlib import Path

from ..course import load
from . import write_all

for written_path in write_all(load(), Path(sys.argv[1] if len(sys.argv) > 1 else "figures")):
    print(written_path)
