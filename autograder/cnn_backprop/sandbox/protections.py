"""What isolation the platform allows, and how the child process is started with it.

Each protection is detected, not assumed: the grader runs as root on Gradescope and in CI but
as an ordinary user on an instructor's laptop, and containers differ in what they permit.
Whatever is active is recorded so the report can say which protections were on.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

# Limits for the child.  Address space: numpy plus the hidden cases need well under 300 MB;
# 1 GiB turns a runaway allocation into a clean MemoryError instead of the OOM killer.
MEMORY_BYTES = 1024 * 1024 * 1024
OUTPUT_BYTES = 4 * 1024 * 1024  # printed output beyond this is refused (EFBIG), not stored
OPEN_FILES = 64
PROCESSES = 64  # enforced only for a non-root uid; counts threads too
UNPRIVILEGED_USER = "nobody"


@dataclass(frozen=True)
class Protections:
    """The protections in force for child processes, as recorded in every report."""

    drop_uid: int | None = None
    drop_gid: int | None = None
    namespaces: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> list[str]:
        active = [
            "separate child process (inputs in, plain data out; expected values never sent)",
            "resource limits: 1 GiB memory, CPU time, file size, open files, no core dumps",
            "per-call timeout and per-submission time budget; process group killed on exit",
        ]
        if self.drop_uid is not None:
            active.append(f"runs as unprivileged uid {self.drop_uid}")
        if self.namespaces:
            active.append("private namespaces: " + ", ".join(self.namespaces))
        return active + [f"not active: {note}" for note in self.notes]


def _unprivileged_ids() -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _can_run_as(uid: int, gid: int) -> bool:
    """Whether the interpreter (and numpy) start under the unprivileged uid."""
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-c", "import numpy"],
            preexec_fn=functools.partial(_drop_privileges, uid, gid),
            capture_output=True,
            timeout=60,
            cwd="/",
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


@functools.lru_cache(maxsize=1)
def detect_protections() -> Protections:
    """Probe once per process which protections this platform allows."""
    notes = []
    uid = gid = None
    if os.geteuid() == 0:
        ids = _unprivileged_ids()
        if ids is None:
            notes.append(f"uid drop (no '{UNPRIVILEGED_USER}' user)")
        elif _can_run_as(*ids):
            uid, gid = ids
        else:
            notes.append(
                f"uid drop ('{UNPRIVILEGED_USER}' cannot run {sys.executable}: "
                "run `cnn-backprop doctor --fix` or make the interpreter world-executable)"
            )
    else:
        notes.append("uid drop (grader is not root; the child runs as the grading user)")
    return Protections(drop_uid=uid, drop_gid=gid, notes=tuple(notes))


def _drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def child_preexec(protections: Protections, cpu_seconds: int) -> None:
    """Runs in the forked child before exec: limits first, then the uid drop."""
    limits = {
        resource.RLIMIT_AS: MEMORY_BYTES,
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_FSIZE: OUTPUT_BYTES,
        resource.RLIMIT_NOFILE: OPEN_FILES,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: PROCESSES,
    }
    for limit, value in limits.items():
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        # an unraisable limit is better than no grading
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(limit, (value, value))
    if protections.drop_uid is not None and protections.drop_gid is not None:
        _drop_privileges(protections.drop_uid, protections.drop_gid)


def prepare_scratch(path: str, protections: Protections) -> None:
    """The child's working directory: private, and writable by the child's uid only."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if protections.drop_uid is not None:
        os.chown(path, protections.drop_uid, protections.drop_gid or -1)


def remove_scratch(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def child_environment() -> dict[str, str]:
    """A minimal environment: no secrets, one BLAS thread (limits count threads)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    for var in (
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
    ):  # keep BLAS correct on this hardware
        if var in os.environ:
            env[var] = os.environ[var]
    return env
