"""Reading a submission file into code cells, with a specific message for every way it can be bad.

Accepted: a ``.py`` file (one cell), a ``.ipynb`` notebook (its code cells, with IPython magics,
shell lines and the Otter grader's own calls removed, line numbers kept), or a ``.zip`` (an
Otter export, or any zip holding exactly one notebook or one ``.py`` file).  Nothing here runs
the code; it is parsed as data only.
"""

from __future__ import annotations

import ast
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_UNPACKED = 100 * 1024 * 1024
# cell magics whose body is Python: keep the body, drop the magic line
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


class BadSubmission(Exception):
    """The file cannot be graded at all; the message says why, for the student."""


@dataclass(frozen=True)
class Submission:
    """The code of one submission, ready to send to the sandbox."""

    name: str  # the file's name, for reports
    kind: str  # "py" or "ipynb"
    cells: list[tuple[str, str]]  # (label, source) in order
    content: bytes  # the original bytes, hashed for the per-submission seed


def load_submission(path: str | Path) -> Submission:
    """Read ``path``; raise BadSubmission with a readable reason if it cannot be graded."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BadSubmission(f"cannot read {path.name}: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise BadSubmission(f"{path.name} is {size} bytes; the limit is {MAX_FILE_BYTES}")
    data = path.read_bytes()
    return parse_submission(path.name, data)


def parse_submission(name: str, data: bytes) -> Submission:
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise BadSubmission(f"{name} is empty")
    if suffix == ".py":
        return Submission(name, "py", [(name, _text(name, data))], data)
    if suffix == ".ipynb":
        return Submission(name, "ipynb", notebook_cells(name, data), data)
    if suffix == ".zip":
        inner_name, inner = _from_zip(name, data)
        sub = parse_submission(inner_name, inner)
        return Submission(f"{name}:{inner_name}", sub.kind, sub.cells, data)
    raise BadSubmission(f"{name}: expected a .py file, a .ipynb notebook or an Otter .zip export")


def _text(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise BadSubmission(f"{name} is a binary file, not Python source")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadSubmission(
            f"{name} is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None


def notebook_cells(name: str, data: bytes) -> list[tuple[str, str]]:
    """The code cells of a notebook, cleaned so plain Python can run them."""
    text = _text(name, data)
    try:
        nb = json.loads(text)
    except ValueError as exc:
        raise BadSubmission(
            f"{name} is not a valid notebook: its JSON is broken ({exc}). "
            "Re-download it from Jupyter with File > Save, or submit the .py version."
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise BadSubmission(f"{name} is not a valid notebook: it has no list of cells")
    out = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        cleaned = clean_cell(source)
        if cleaned.strip():
            out.append((f"<cell {number}>", cleaned))
    return out


_OTTER_CALL = re.compile(r"^grader\s*=\s*otter\.Notebook\b|^grader\.\w+\(|^import otter\b")


def clean_cell(source: str) -> str:
    """Blank out magics, shell escapes and Otter calls, keeping line numbers."""
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if len(first) > 2 else ""
        if magic not in PYTHON_CELL_MAGICS:
            return ""  # %%bash, %%html, ...: not Python
        lines[0] = ""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in lines]
    source = "\n".join(lines)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source  # reported with its line number when the child compiles it
    # the grader's own calls would re-run public tests inside the sandbox: drop them
    for stmt in tree.body:
        segment = ast.get_source_segment(source, stmt) or ""
        if _OTTER_CALL.match(segment.strip()):
            for i in range(stmt.lineno - 1, (stmt.end_lineno or stmt.lineno)):
                lines[i] = ""
    return "\n".join(lines)


def _from_zip(name: str, data: bytes) -> tuple[str, bytes]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BadSubmission(f"{name} is not a valid zip file") from None
    with zf:
        infos = [
            i
            for i in zf.infolist()
            if not i.is_dir()
            and not i.filename.startswith("__MACOSX/")
            and not Path(i.filename).name.startswith(".")
        ]
        if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_ZIP_UNPACKED:
            raise BadSubmission(f"{name} is too large once unpacked")
        for suffix in (".ipynb", ".py"):
            found = [i for i in infos if i.filename.lower().endswith(suffix)]
            if len(found) == 1:
                return Path(found[0].filename).name, zf.read(found[0])
            if len(found) > 1:
                names = ", ".join(sorted(i.filename for i in found)[:5])
                raise BadSubmission(f"{name} holds several {suffix} files ({names}); keep one")
    raise BadSubmission(f"{name} holds no notebook (.ipynb) and no .py file")
