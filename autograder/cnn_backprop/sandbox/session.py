"""Parent side of the sandbox: one child per submission, restarted after a crash or timeout."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import child as wire
from .protections import (
    Protections,
    child_environment,
    child_preexec,
    detect_protections,
    hidden_paths,
    kill_cgroup_processes,
    kill_uid_processes,
    make_cgroups,
    prepare_scratch,
    remove_cgroups,
    remove_scratch,
    sandbox_uid,
)

CHILD_SOURCE = Path(wire.__file__).read_text(encoding="utf-8")
MAX_ELEMENTS = 10_000_000  # far above any graded output; stops a memory bomb in the parent
MAX_REPLY = 2 * 1024 * 1024  # graded outputs are tiny; a bigger reply is an attack on memory
OUTPUT_SHOWN = 4000  # characters of the submission's printed output kept for the report


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: Any, limit: int) -> str:
    """Student-chosen text, made safe to show: valid UTF-8, no control characters, bounded."""
    text = str(value)[: limit * 2].encode("utf-8", "replace").decode("utf-8", "replace")
    return _CONTROL.sub("?", text)[:limit]


class SubmissionError(Exception):
    """A call into the submission failed; the message is written for the student."""


@dataclass
class LoadReport:
    """What loading the submission's code found."""

    functions: dict[str, str] = field(default_factory=dict)  # name -> callable/missing/...
    errors: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    fatal: str | None = None  # the child died or hung while loading


@dataclass(frozen=True)
class Probe:
    """What the child measured during one call (``child._ProbeWatch``).

    Numbers reported by the submission's own process: they are read strictly and used for
    one thing only, flagging a function that evaluates a forward pass instead of deriving
    its gradient (``probing.py``); never for a score's correctness.
    """

    evaluations: int  # distinct input entries another function was evaluated at, one by one
    forward_like: int  # calls mapping an array shaped like one input to the shape of another
    function: str  # the function evaluated at the most entries (a name the child reported)
    intact: bool  # the watch was still installed when the call returned (and reported)


# what a reply that answered but withheld or mangled its measurements counts as: our child
# always sends them, so the submission interfered with the watch
WITHHELD = Probe(0, 0, "", False)


_PROBE_NAME = re.compile(r"[^A-Za-z0-9_.<>]")


def read_probe(obj: Any) -> Probe | None:
    """The child's measurements, or None when they are missing or malformed."""
    if not isinstance(obj, dict):
        return None
    counts = [obj.get("evaluations"), obj.get("forward_like")]
    if not all(type(c) is int and 0 <= c < 10**9 for c in counts):
        return None
    intact, name = obj.get("intact"), obj.get("function", "")
    if not isinstance(intact, bool) or not isinstance(name, str):
        return None
    return Probe(counts[0], counts[1], _PROBE_NAME.sub("?", name[:60]), intact)


@dataclass
class CallResult:
    value: np.ndarray  # fresh float64 copy, built in the parent
    returned_dtype: str
    inputs_after: list[np.ndarray | None]
    seconds: float
    probe: Probe | None = None  # None: nothing measured (or the child withheld it)


def decode_untrusted(obj: Any) -> np.ndarray:
    """Rebuild an array sent by the child, trusting nothing about it."""
    if not (isinstance(obj, dict) and isinstance(obj.get("__ndarray__"), list)):
        raise SubmissionError("returned something that is not an array")
    try:
        dtype_str, shape, data = obj["__ndarray__"]
        dtype = np.dtype(str(dtype_str))
        if dtype.kind not in "biuf" or dtype.hasobject:
            raise ValueError(f"dtype {dtype}")
        shape = tuple(int(s) for s in shape)
        if len(shape) > 32 or any(s < 0 for s in shape) or int(np.prod(shape)) > MAX_ELEMENTS:
            raise ValueError(f"shape {shape}")
        raw = base64.b64decode(str(data), validate=True)
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape)
    except (ValueError, TypeError, OverflowError) as exc:
        raise SubmissionError(f"returned an array that could not be read ({exc})") from None
    return arr


class Sandbox:
    """Runs one submission's code in a child process and calls its functions.

    Parameters
    ----------
    cells : list of (label, source)
        The submission's code, in order.
    names : list of str
        The functions the graders will call.
    call_timeout : float
        Seconds one call may take before the child is killed and the call fails.
    budget : float
        Seconds of calls and loading for the whole submission; past it, calls fail at once.
    """

    def __init__(
        self,
        cells: list[tuple[str, str]],
        names: list[str],
        *,
        call_timeout: float = 10.0,
        load_timeout: float = 30.0,
        budget: float = 180.0,
        protections: Protections | None = None,
        hide: tuple[str, ...] = (),
    ) -> None:
        self.cells = cells
        self.names = list(names)
        self.call_timeout = call_timeout
        self.load_timeout = load_timeout
        self.budget = budget
        self.protections = protections or detect_protections()
        self.uid = sandbox_uid()
        self.hidden = hidden_paths(hide) if self.protections.private_fs else ()
        self.cgroups = make_cgroups(self.uid) if self.protections.cgroups else ()
        self.spent = 0.0
        self.restarts = 0
        self.timed_out: dict[str, str] = {}  # function -> why its remaining calls are skipped
        self.load: LoadReport | None = None
        self._proc: subprocess.Popen | None = None
        self._scratch: str | None = None
        self._outdir: str | None = None
        self._output = ""
        self._next_id = 1

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> LoadReport:
        """Start (or restart) the child and load the code; return what loading found."""
        self._kill()
        # printed output goes to a file in a folder only the grader owns
        self._outdir = tempfile.mkdtemp(prefix="cnn-backprop-output-")
        cwd = "/"  # with a private filesystem the child makes its own /tmp/work
        if not self.protections.private_fs:
            self._scratch = tempfile.mkdtemp(prefix="cnn-backprop-child-")
            prepare_scratch(self._scratch, self.protections, self.uid)
            cwd = self._scratch
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        cpu = int(self.budget + self.load_timeout) + 5
        output = open(os.path.join(self._outdir, "output.txt"), "wb")  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-c", CHILD_SOURCE, str(request_r), str(reply_w)],
                cwd=cwd,
                env=child_environment(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(request_r, reply_w),
                start_new_session=True,  # its own process group, killed as a whole
                preexec_fn=lambda: child_preexec(
                    self.protections, cpu, self.hidden, self.uid, self.cgroups
                ),
            )
        finally:
            output.close()
            os.close(request_r)
            os.close(reply_w)
        self._request_fd, self._reply_fd = request_w, reply_r
        started = time.monotonic()
        try:
            wire.write_message(self._request_fd, {"cells": self.cells, "names": self.names})
            reply = self._read(min(self.load_timeout, self._remaining()))
            report = reply.get("load") if isinstance(reply, dict) else None
            if not isinstance(report, dict):
                raise SubmissionError("the submission interfered with the grader while loading")
            self.load = LoadReport(
                functions={
                    n: str(report.get("functions", {}).get(n, "missing")) for n in self.names
                },
                errors=[
                    {clean(k, 20): clean(v, 2000) for k, v in e.items()}
                    for e in report.get("errors", [])[:20]
                    if isinstance(e, dict)
                ],
                seconds=time.monotonic() - started,
            )
        except (SubmissionError, OSError, AttributeError, TypeError, ValueError) as exc:
            self._kill()  # a malformed report means the submission tampered with the child
            self.load = LoadReport(
                functions={n: "missing" for n in self.names},
                fatal=f"loading your code failed: {exc}",
                seconds=time.monotonic() - started,
            )
        finally:
            self.spent += time.monotonic() - started
        return self.load

    def close(self) -> None:
        """Stop the child, kill its process group, remove its scratch directory."""
        self._kill()
        remove_cgroups(self.cgroups)
        self.cgroups = ()

    # -- calls ---------------------------------------------------------------------------
    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> CallResult:
        """Call ``name(*args, **kwargs)`` in the child; raise SubmissionError on any failure."""
        if self._remaining() <= 0:
            raise SubmissionError(
                f"not run: the submission used up its time budget of {self.budget:.0f} s"
            )
        if self.load is not None and self.load.fatal:
            raise SubmissionError(self.load.fatal)  # loading fails the same way every time
        if self._proc is None or self._proc.poll() is not None:
            if self.load is not None:
                self.restarts += 1
            load = self.start()
            if load.fatal:
                raise SubmissionError(load.fatal)
        assert self.load is not None
        if name in self.timed_out:  # one hang per function: the others keep their time
            raise SubmissionError(
                f"not run: an earlier call {self.timed_out[name]}, so the rest of its cases "
                "were skipped"
            )
        status = self.load.functions.get(name, "missing")
        if status != "callable":
            what = "is not defined" if status == "missing" else "is defined but is not a function"
            raise SubmissionError(f"`{name}` {what} in your submission")
        request_id = self._next_id
        self._next_id += 1
        started = time.monotonic()
        timeout = min(self.call_timeout, self._remaining())
        try:
            wire.write_message(
                self._request_fd,
                {
                    "op": "call",
                    "id": request_id,
                    "func": name,
                    "args": args,
                    "kwargs": kwargs,
                },
            )
            reply = self._read(timeout)
        except SubmissionError as exc:
            if str(exc).startswith("timed out"):
                self.timed_out[name] = str(exc)
            raise
        except OSError:
            self._kill()
            raise SubmissionError(
                "your code ended the grading process (os._exit, a crash, or running out of memory)"
            ) from None
        finally:
            self.spent += time.monotonic() - started
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            self._kill()
            raise SubmissionError("the submission interfered with the grader's messages")
        if not reply.get("ok"):
            bad = reply.get("bad_return")
            if isinstance(bad, dict):  # the grader words this itself: only names are quoted
                kind = clean(bad.get("kind", "value"), 60)
                detail = clean(bad.get("detail", ""), 200)
                if detail.startswith("dtype"):
                    raise SubmissionError(
                        f"returned a {kind} whose values are not numbers ({detail})"
                    )
                raise SubmissionError(f"returned a {kind} that is not an array ({detail})")
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            kind = clean(error.get("type", "Error"), 100)
            message = clean(error.get("message", ""), 1000)
            where = clean(error.get("where", ""), 300)
            text = f"raised {kind}: {message}" if message else f"raised {kind}"
            if kind == "NotImplementedError":
                text = "is not implemented yet (it raised NotImplementedError)"
            raise SubmissionError(text + (f" ({where})" if where else ""))
        value = decode_untrusted(reply.get("result"))
        after = reply.get("inputs_after")
        after = after if isinstance(after, list) else []
        # one entry per argument; a missing one counts as modified (the child withheld it)
        inputs_after: list[np.ndarray | None] = [
            decode_untrusted(after[i])
            if isinstance(arg, np.ndarray) and i < len(after) and after[i] is not None
            else None
            for i, arg in enumerate(args)
        ]
        return CallResult(
            value=np.array(value, dtype=np.float64, copy=True),
            returned_dtype=str(value.dtype),
            inputs_after=inputs_after,
            seconds=float(reply.get("seconds", 0.0))
            if isinstance(reply.get("seconds"), (int, float))
            else 0.0,
            probe=read_probe(reply.get("probe")) or WITHHELD,
        )

    def output(self) -> str:
        """The first characters the submission printed (all children so far)."""
        self._collect_output()
        return _CONTROL.sub("?", self._output[:OUTPUT_SHOWN].replace("\r", ""))

    # -- internals -----------------------------------------------------------------------
    def _remaining(self) -> float:
        return self.budget - self.spent

    def _read(self, timeout: float) -> Any:
        deadline = time.monotonic() + max(timeout, 0.0)
        header = self._read_exact(wire._HEADER.size, deadline, timeout)
        (length,) = wire._HEADER.unpack(header)
        if length > MAX_REPLY:
            self._kill()
            raise SubmissionError("the submission sent an oversized reply")
        body = self._read_exact(length, deadline, timeout)
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            self._kill()
            raise SubmissionError("the submission interfered with the grader's messages") from None

    def _read_exact(self, n: int, deadline: float, timeout: float) -> bytes:
        chunks, got = [], 0
        while got < n:
            remaining = deadline - time.monotonic()
            ready = remaining > 0 and select.select([self._reply_fd], [], [], remaining)[0]
            if not ready:
                self._kill()
                raise SubmissionError(
                    f"timed out after {timeout:.0f} s (an infinite loop, or far too slow)"
                )
            chunk = os.read(self._reply_fd, min(n - got, 1 << 20))
            if not chunk:
                code = self._proc.wait() if self._proc else None
                self._kill()
                raise OSError(f"child exited ({_exit_reason(code)})")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _collect_output(self) -> None:
        if not self._outdir or len(self._output) >= OUTPUT_SHOWN:
            return
        path = os.path.join(self._outdir, "output.txt")
        try:  # the child owns this folder: never follow its links or block on its FIFOs
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                self._output += os.read(fd, OUTPUT_SHOWN).decode("utf-8", "replace")
        except OSError:
            pass
        finally:
            os.close(fd)

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            if self.protections.drop_uid:  # children that escaped the group (setsid) too
                kill_uid_processes(self.uid)
            kill_cgroup_processes(self.cgroups)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            for fd in (self._request_fd, self._reply_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._collect_output()
        for folder in (self._scratch, self._outdir):
            if folder:
                remove_scratch(folder)
        self._scratch = self._outdir = None


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
