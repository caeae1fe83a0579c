"""Writing files so a reader sees the old file or the new one, never half of one.

Every file the grader leaves for others (results.json, record.json, grades.csv, the class
report, the CSVs of the class report) goes through ``write_text``: a temporary file with a
unique name in the same folder, then one ``os.replace``; on any failure the temporary file
is removed and the old file stays as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, creating its folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        # a student's lone surrogates (from a notebook's JSON) become U+FFFD, never an error
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_json(data: Any, path: str | Path, *, indent: int = 1, sort_keys: bool = False) -> Path:
    """Write ``data`` as JSON (finite numbers only: ``allow_nan=False``) atomically."""
    text = json.dumps(data, indent=indent, sort_keys=sort_keys, allow_nan=False)
    return write_text(text + "\n", path)
