"""Turning an uploaded file into code cells: run in a separate, limited process.

A notebook is JSON and an export is a zip: both are parsed from untrusted bytes, and a small
file can unpack, nest or expand into gigabytes.  So ``submission.py`` runs this module as a
script (``python -I -S -c <this source>``) in a child process with a memory cap, a CPU-time
cap and no file access beyond the interpreter; it reads ``NAME\\0BYTES`` on stdin and writes one
JSON object on stdout.  Everything here is the standard library, and every failure is turned
into a sentence for the student.

The same rule picks the file to grade in a zip here and in an uploaded folder
(``upload.pick``): the one notebook, else the one ``.py`` file, in whatever folder it sits.
"""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import zipfile
from pathlib import PurePosixPath

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
GRADABLE = (".ipynb", ".py")  # in this order of preference
IGNORED_PARTS = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
# cell magics whose body is Python: keep the body, drop the magic line
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


NOTHING = "no notebook (.ipynb) and no .py file"


class Unreadable(Exception):
    """The file cannot be graded at all; the message says why, for the student."""


def choose(paths: list[str], suffixes: tuple[str, ...] = GRADABLE) -> tuple[str | None, str]:
    """The one file to grade among relative ``paths``, or None and the reason.

    Otter's rule, folder level by folder level: at the shallowest level holding any candidate,
    the one notebook, else the one ``.py`` file (a second one there is an error).  Hidden files
    and folders, ``__init__.py`` and editors' litter are ignored.
    """
    levels: dict[int, list[str]] = {}
    for path in paths:
        parts = PurePosixPath(path).parts
        if not parts or any(p.startswith(".") or p in IGNORED_PARTS for p in parts):
            continue
        if parts[-1] != "__init__.py" and parts[-1].endswith(suffixes):
            levels.setdefault(len(parts), []).append(path)
    for depth in sorted(levels):
        for suffix in suffixes:  # case-sensitive, like Otter's glob
            found = sorted(p for p in levels[depth] if p.endswith(suffix))
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                names = ", ".join(found[:5])
                return None, (
                    f"more than one {suffix} file ({names}); submit exactly one notebook or one "
                    ".py file (Otter refuses this too)"
                )
    return None, NOTHING


def text_of(name: str, data: bytes) -> str:
    if not data.strip():
        raise Unreadable(f"{name} is empty")
    if b"\x00" in data:
        raise Unreadable(f"{name} is a binary file, not Python source")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{name} is not UTF-8 text (byte {exc.start} cannot be decoded)") from None


def notebook_cells(name: str, data: bytes) -> list[tuple[str, str]]:
    """The code cells of a notebook, cleaned so plain Python can run them."""
    text = text_of(name, data)
    try:
        nb = json.loads(text)
    except RecursionError:
        raise Unreadable(f"{name} is not a valid notebook: its JSON is nested too deeply") from None
    except ValueError as exc:
        raise Unreadable(
            f"{name} is not a valid notebook: its JSON is broken ({exc}). "
            "Re-download it from Jupyter with File > Save, or submit the .py version."
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise Unreadable(f"{name} is not a valid notebook: it has no list of cells")
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
    except Exception:  # syntax errors, and sources too deep or too large for the parser:
        return source  # the sandbox compiles the cell and reports the error; the rest runs
    # the grader's own calls would re-run public tests inside the sandbox: drop them
    for stmt in tree.body:
        segment = ast.get_source_segment(source, stmt) or ""
        if _OTTER_CALL.match(segment.strip()):
            for i in range(stmt.lineno - 1, (stmt.end_lineno or stmt.lineno)):
                lines[i] = ""
    return "\n".join(lines)


def from_zip(name: str, data: bytes) -> tuple[str, bytes]:
    """The file to grade inside a zip (an Otter export, or any zip of one notebook)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except UnicodeDecodeError:
        raise Unreadable(f"{name} has file names that are not valid UTF-8; zip it again") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise Unreadable(f"{name} is not a valid zip file") from None
    with zf:
        if len(infos) > MAX_ZIP_MEMBERS:
            raise Unreadable(f"{name} holds {len(infos)} files; the limit is {MAX_ZIP_MEMBERS}")
        files = {i.filename: i for i in infos if not i.is_dir()}
        chosen, problem = choose(sorted(files))
        if chosen is None:
            raise Unreadable(f"{name} holds {problem}")
        info = files[chosen]
        inner = PurePosixPath(chosen).name
        try:
            with zf.open(info) as member:  # never trust the sizes the zip declares
                content = member.read(MAX_FILE_BYTES + 1)
        except NotImplementedError as exc:  # (a RuntimeError: test it first)
            raise Unreadable(
                f"{name}: {inner} is compressed with a method the grader cannot read ({exc}); "
                "zip it again with ordinary (deflate) compression"
            ) from None
        except RuntimeError as exc:  # zipfile's words for a password-protected member
            if "encrypted" in str(exc).lower() or "password" in str(exc).lower():
                raise Unreadable(
                    f"{name}: {inner} is encrypted; zip it again without a password"
                ) from None
            raise Unreadable(f"{name}: {inner} cannot be unpacked ({exc})") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            reason = "damaged (its checksum does not match)" if "CRC" in str(exc) else "damaged"
            raise Unreadable(f"{name}: {inner} is {reason}; zip it again") from None
        except Exception as exc:  # zlib/bz2/lzma errors of a corrupt stream
            damage = type(exc).__name__
            raise Unreadable(f"{name}: {inner} is damaged ({damage}); zip it again") from None
        if len(content) > MAX_FILE_BYTES:
            raise Unreadable(f"{name}: {inner} is larger than {MAX_FILE_BYTES} bytes unpacked")
    return inner, content


def parse(name: str, data: bytes, *, nested: bool = False) -> dict:
    """What to send to the sandbox: ``{"name", "kind", "cells"}`` (raises Unreadable)."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".py":
        return {"name": name, "kind": "py", "cells": [(name, text_of(name, data))]}
    if suffix == ".ipynb":
        return {"name": name, "kind": "ipynb", "cells": notebook_cells(name, data)}
    if suffix == ".zip" and not nested:
        if not data.strip():
            raise Unreadable(f"{name} is empty")
        inner_name, inner = from_zip(name, data)
        parsed = parse(inner_name, inner, nested=True)
        return {**parsed, "name": f"{name}:{inner_name}"}
    raise Unreadable(f"{name}: expected a .py file, a .ipynb notebook or an Otter .zip export")


def main() -> None:
    """The worker: ``NAME\\0DATA`` on stdin, one JSON object on stdout."""
    raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 4096)
    name, _, data = raw.partition(b"\0")
    try:
        result = {"ok": True, **parse(name.decode("utf-8", "replace"), data)}
    except Unreadable as exc:
        result = {"ok": False, "error": str(exc)}
    except MemoryError:
        result = {"ok": False, "error": "memory"}
    except RecursionError:
        result = {"ok": False, "error": "nested too deeply to read", "nested": True}
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
