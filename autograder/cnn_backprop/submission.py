"""Reading a submission file into code cells, with a specific message for every way it can be bad.

Accepted: a ``.py`` file (one cell), a ``.ipynb`` notebook (its code cells, with IPython magics,
shell lines and the Otter grader's own calls removed, line numbers kept), or a ``.zip`` (an
Otter export, or any zip holding exactly one notebook or one ``.py`` file, in any folder).
Nothing here runs the code.

Untrusted bytes are handled with bounds everywhere: the file is opened without following
links (a link is refused with a message) and read up to a size limit; notebooks and zips are
parsed by ``parsing.py`` in a separate process with a memory and CPU cap (and, where the
platform has them, Landlock and seccomp), so a notebook that nests or expands without end
costs that process, never the grader.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import resource
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import parsing
from .parsing import MAX_FILE_BYTES

PARSER_SOURCE = Path(parsing.__file__).read_text(encoding="utf-8")
PARSER_MEMORY = 1024 * 1024 * 1024  # bytes of address space for parsing one file
PARSER_CPU = 20  # seconds
PARSER_WALL = 40.0


class BadSubmission(Exception):
    """The file cannot be graded at all; the message says why, for the student."""


@dataclass(frozen=True)
class Submission:
    """The code of one submission, ready to send to the sandbox."""

    name: str  # the file's name, for reports
    kind: str  # "py" or "ipynb"
    cells: list[tuple[str, str]]  # (label, source) in order
    content: bytes  # the original bytes, hashed for the per-submission seed


def read_untrusted(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file a student controls: no links followed, no FIFOs or devices opened
    for long, no more than ``limit`` bytes (BadSubmission otherwise)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise BadSubmission(
                f"{path.name} is a symbolic link, which the grader never follows: submit the "
                "file itself"
            ) from None
        raise BadSubmission(f"cannot read {path.name}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadSubmission(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise BadSubmission(f"{path.name} is {info.st_size} bytes; the limit is {limit}")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise BadSubmission(f"{path.name} is larger than {limit} bytes")
    return data


def load_submission(path: str | Path) -> Submission:
    """Read ``path``; raise BadSubmission with a readable reason if it cannot be graded."""
    path = Path(path)
    return parse_submission(path.name, read_untrusted(path))


def parse_submission(name: str, data: bytes) -> Submission:
    """Parse ``data`` (a .py in this process; notebooks and zips in a limited one)."""
    if not data.strip():
        raise BadSubmission(f"{name} is empty")
    if Path(name).suffix.lower() == ".py":
        try:
            parsed = parsing.parse(name, data)
        except parsing.Unreadable as exc:
            raise BadSubmission(str(exc)) from None
    else:
        parsed = _parse_isolated(name, data)
    cells = [(str(label), str(source)) for label, source in parsed["cells"]]
    return Submission(str(parsed["name"]), str(parsed["kind"]), cells, data)


def _parse_isolated(name: str, data: bytes) -> dict:
    """Run ``parsing.py`` on ``data`` in a child with a memory cap; its verdict, or why not."""
    payload = name.encode("utf-8", "replace").replace(b"\0", b"?") + b"\0" + data
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-c", PARSER_SOURCE],
            input=payload,
            capture_output=True,
            timeout=PARSER_WALL,
            preexec_fn=_confine_parser,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BadSubmission(f"{name} is too complex to read: parsing it took too long") from None
    try:
        verdict = json.loads(result.stdout)
    except ValueError:
        verdict = None
    if not isinstance(verdict, dict):
        what = "memory" if result.returncode < 0 or b"MemoryError" in result.stderr else ""
        if what or result.returncode in (-9, -24):  # killed at the memory or CPU cap
            raise BadSubmission(
                f"{name} is too complex to read: parsing it needed more than "
                f"{PARSER_MEMORY // 2**20} MiB or {PARSER_CPU} s"
            )
        stopped = result.stderr.decode("utf-8", "replace").strip()[-200:]
        raise BadSubmission(f"{name} could not be read (the parser stopped: {stopped})")
    if not verdict.get("ok"):
        error = str(verdict.get("error"))
        if error == "memory":
            raise BadSubmission(
                f"{name} is too complex to read: parsing it needed more than "
                f"{PARSER_MEMORY // 2**20} MiB"
            )
        if verdict.get("nested") is True:
            raise BadSubmission(f"{name} is {error}")
        raise BadSubmission(error)
    return verdict


def _confine_parser() -> None:
    """Limits for the parser (in the forked child): memory, CPU, no files, no network."""
    for limit, value in (
        (resource.RLIMIT_AS, PARSER_MEMORY),
        (resource.RLIMIT_CPU, PARSER_CPU),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        with contextlib.suppress(ValueError, OSError):
            hard = resource.getrlimit(limit)[1]
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(limit, (value, value))
    # defence in depth where available: it only needs to read the interpreter
    from .sandbox import landlock, namespaces, seccomp
    from .sandbox.protections import seccomp_program

    ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)  # no new privileges
    with contextlib.suppress(OSError):
        rules = [landlock.Rule(p, landlock.READ_EXEC) for p in namespaces.whitelist()]
        landlock.restrict_self(rules)
    with contextlib.suppress(OSError):
        seccomp.install(seccomp_program())
