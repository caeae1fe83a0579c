"""Parent side of the sandbox: one child per submission, restarted after a crash or timeout.

Start-up: the child is started with the strongest plan this process has not seen fail (see
``protections``), checks what it can reach, and only then, if that meets the course's
``min_isolation``, receives the submission's code.  Calls: one request, one reply, each under
a CPU-time limit (a neighbour's load must not cost a correct submission its marks) and a
wall-clock cap (a sleeping child uses no CPU); writes to the child are bounded by the same
deadlines as reads.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import cgroups, identity, namespaces
from . import child as wire
from .errors import (
    Crashed,
    Interfered,
    IsolationRefused,
    NotRun,
    SetupError,
    SubmissionError,
    TimedOut,
)
from .identity import remove_tree
from .protections import (
    EXTRA_PROCESSES,
    LEVELS,
    Facts,
    Launch,
    Plan,
    Protections,
    child_environment,
    child_preexec,
    current_plan,
    missing,
    refuse,
    self_check_targets,
    sensitive_paths,
)
from .replies import (
    CONTROL_CHARACTERS,
    WITHHELD,
    CallResult,
    LoadReport,
    clean,
    decode_untrusted,
    read_probe,
)

CHILD_SOURCE = Path(wire.__file__).read_text(encoding="utf-8")
MAX_REPLY = 2 * 1024 * 1024  # graded outputs are tiny; a bigger reply is an attack on memory
OUTPUT_SHOWN = 4000  # characters of the submission's printed output kept for the report
POLL = 0.05  # seconds between CPU-time checks while waiting for the child
MAX_CRASHES = 3  # calls of one function that may end the child before the rest are skipped
WALL_FACTOR = 2.0  # wall-clock cap = this x the CPU-time limit (a sleeping child)
STARTUP_TIMEOUT = 60.0  # seconds for the interpreter and numpy to start and check in


class _SetupFailed(Exception):
    def __init__(self, mechanism: str, detail: str) -> None:
        super().__init__(f"{mechanism}: {detail}")
        self.mechanism, self.detail = mechanism, detail


@functools.lru_cache(maxsize=1)
def _listener() -> socket.socket | None:
    """A loopback listener the child tries to reach: if it can, it has a network."""
    with contextlib.suppress(OSError):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        return sock
    return None


def _drain_listener() -> None:
    sock = _listener()
    while sock is not None:
        try:
            conn, _ = sock.accept()
            conn.close()
        except OSError:
            return


class Sandbox:
    """Runs one submission's code in a child process and calls its functions.

    Parameters
    ----------
    cells : list of (label, source)
        The submission's code, in order.
    names : list of str
        The functions the graders will call.
    call_timeout : float
        CPU seconds one call may use before the child is killed and the call fails (the wall
        clock may run ``WALL_FACTOR`` times longer).
    load_timeout : float
        CPU seconds for running the submission's code at start-up.
    budget : float
        CPU seconds of loading and calls for the whole submission; past it, calls fail at once.
    hide : paths
        Besides the grader's own files, what the child must not see (outputs, other
        submissions, Otter's folders).
    min_isolation : str
        One of ``protections.LEVELS``; below it the code is never run (``IsolationRefused``).
    """

    def __init__(
        self,
        cells: list[tuple[str, str]],
        names: list[str],
        *,
        call_timeout: float = 10.0,
        load_timeout: float = 30.0,
        budget: float = 180.0,
        hide: tuple[str, ...] = (),
        min_isolation: str = "none",
    ) -> None:
        if min_isolation not in LEVELS:
            raise ValueError(f"min_isolation must be one of {LEVELS}")
        self.cells = cells
        self.names = list(names)
        self.call_timeout = call_timeout
        self.load_timeout = load_timeout
        self.budget = budget
        self.min_isolation = min_isolation
        self.root = os.geteuid() == 0
        self.uid = identity.fresh_uid() if self.root else None  # one per submission
        self.hidden = sensitive_paths(hide)
        self.paths = namespaces.whitelist(exclude=self.hidden)
        self.targets = self_check_targets(hide)
        self.protections: Protections | None = None
        self.spent_cpu = 0.0
        self.spent_wall = 0.0
        self.restarts = 0
        self.skipped: dict[str, str] = {}  # function -> why its remaining calls are skipped
        self.crashes: dict[str, int] = {}
        self.load: LoadReport | None = None
        self._plan: Plan | None = None
        self._groups: tuple[str, ...] = ()
        self._proc: subprocess.Popen | None = None
        self._python_pid: int | None = None
        self._scratch: str | None = None
        self._outdir: str | None = None
        self._output = ""
        self._children_before: set[int] = set()
        self._next_id = 1
        if not self.root:  # escapees of the child's session come back to us, to be killed
            identity.become_subreaper()

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def probe(self) -> Protections:
        """Start a child and check what it can reach, without running any code."""
        self._kill()
        self._start_checked()
        self._kill()
        assert self.protections is not None
        return self.protections

    def start(self) -> LoadReport:
        """Start (or restart) the child and load the code; return what loading found.

        Raises IsolationRefused when the platform's protections fall below ``min_isolation``.
        """
        self._kill()
        started, cpu0 = time.monotonic(), 0.0
        try:
            self._start_checked()
            cpu0 = self._cpu()
            self._send({"cells": self.cells, "names": self.names}, started + STARTUP_TIMEOUT)
            limit = min(self.load_timeout, self._remaining_cpu())
            reply = self._read(limit, cpu0, started)
            report = reply.get("load") if isinstance(reply, dict) else None
            if not isinstance(report, dict):
                raise Interfered("the submission interfered with the grader while loading")
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
        except IsolationRefused:
            raise
        except (SubmissionError, OSError, AttributeError, TypeError, ValueError) as exc:
            self._kill()  # a malformed report means the submission tampered with the child
            self.load = LoadReport(
                functions={n: "missing" for n in self.names},
                fatal=f"loading your code failed: {exc}",
                seconds=time.monotonic() - started,
            )
        finally:
            self._charge(started, cpu0)
        return self.load

    def close(self) -> None:
        """Stop the child, kill everything it started, remove its folders and cgroups."""
        self._kill()

    # -- calls ---------------------------------------------------------------------------
    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> CallResult:
        """Call ``name(*args, **kwargs)`` in the child; raise SubmissionError on any failure."""
        if self._remaining_cpu() <= 0 or self._remaining_wall() <= 0:
            raise NotRun(f"not run: the submission used up its time budget of {self.budget:.0f} s")
        if self.load is not None and self.load.fatal:
            raise NotRun(self.load.fatal)  # loading fails the same way every time
        if name in self.skipped:  # one hang per function: the others keep their time
            raise NotRun(f"not run: {self.skipped[name]}, so the rest of its cases were skipped")
        if self._proc is None or self._proc.poll() is not None:
            if self.load is not None:
                self.restarts += 1
            load = self.start()
            if load.fatal:
                raise NotRun(load.fatal)
        assert self.load is not None
        status = self.load.functions.get(name, "missing")
        if status != "callable":
            what = "is not defined" if status == "missing" else "is defined but is not a function"
            raise NotRun(f"`{name}` {what} in your submission")
        request_id = self._next_id
        self._next_id += 1
        started, cpu0 = time.monotonic(), self._cpu()
        limit = min(self.call_timeout, self._remaining_cpu())
        request = {"op": "call", "id": request_id, "func": name, "args": args, "kwargs": kwargs}
        try:
            self._send(request, started + limit * WALL_FACTOR)
            reply = self._read(limit, cpu0, started)
        except TimedOut as exc:
            self.skipped[name] = f"an earlier call {exc}"
            raise
        except Crashed:  # each crash costs a restart: after a few, skip the rest
            self.crashes[name] = self.crashes.get(name, 0) + 1
            if self.crashes[name] >= MAX_CRASHES:
                self.skipped[name] = f"it ended the grading process in {MAX_CRASHES} calls"
            raise
        finally:
            self._charge(started, cpu0)
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            self._kill()
            raise Interfered("the submission interfered with the grader's messages")
        return self._result(reply, args)

    def output(self) -> str:
        """The first characters the submission printed (all children so far)."""
        self._collect_output()
        return CONTROL_CHARACTERS.sub("?", self._output[:OUTPUT_SHOWN].replace("\r", ""))

    # -- start-up ------------------------------------------------------------------------
    def _start_checked(self) -> None:
        """Start a child with the strongest working plan, then hold it to ``min_isolation``."""
        for _ in range(12):  # each failure removes a mechanism: this always ends
            plan = current_plan()
            try:
                facts = self._spawn(plan)
                break
            except _SetupFailed as exc:
                self._kill()
                refuse(exc.mechanism, exc.detail)
        else:  # pragma: no cover - only if the plan could not shrink
            raise OSError("the sandbox could not start a child process")
        self.protections = Protections(plan, facts, missing(), self.root)
        if not self.protections.meets(self.min_isolation):
            self._kill()
            raise IsolationRefused(
                f"the sandbox reaches isolation level '{self.protections.level()}' on this "
                f"machine, below the course's min_isolation '{self.min_isolation}'",
                self.protections,
            )

    def _spawn(self, plan: Plan) -> Facts:
        """Start the child with ``plan`` and read its self-check; _SetupFailed names what broke."""
        self._plan = plan
        if plan.cgroups:
            self._groups = cgroups.make(f"cnn-backprop-{self.uid or os.getpid()}")
            if not self._groups:
                raise _SetupFailed("cgroups", "the cgroup could not be created")
        # printed output goes to a file in a folder only the grader owns
        self._outdir = tempfile.mkdtemp(prefix="cnn-backprop-output-")
        workdir = "/tmp/work"
        if not plan.namespaces:  # no private /tmp: an empty working folder, not writable
            self._scratch = workdir = tempfile.mkdtemp(prefix="cnn-backprop-child-")
            os.chmod(self._scratch, 0o755)  # (nothing could bound the size of what it wrote)
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        status_r, status_w = os.pipe()
        launch = Launch(
            plan=plan,
            uid=self.uid if plan.drop_uid else None,
            groups=self._groups,
            hidden=self.hidden,
            paths=self.paths,
            scratch=self._scratch,
            status_fd=status_w,
            cpu_seconds=int(self.budget + self.load_timeout) + 5,
        )
        self._children_before = set(identity.children_of(os.getpid()))
        output = open(os.path.join(self._outdir, "output.txt"), "wb")  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-c", CHILD_SOURCE, str(request_r), str(reply_w)],
                cwd=workdir if not plan.namespaces else "/",
                env=child_environment(workdir),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(request_r, reply_w),
                start_new_session=True,  # its own process group, killed as a whole
                preexec_fn=functools.partial(child_preexec, launch),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            os.close(status_w)
            reported = _read_all(status_r)
            mechanism, _, detail = reported.partition("\t")
            if not mechanism:  # nothing reported: blame the strongest mechanism in force
                mechanism, detail = _first_active(plan), f"the child could not start ({exc})"
            raise _SetupFailed(mechanism, detail) from None
        finally:
            output.close()
            for fd in (request_r, reply_w):
                os.close(fd)
        os.close(status_w)
        os.close(status_r)
        self._request_fd, self._reply_fd = request_w, reply_r
        started = time.monotonic()
        drop_to = self.uid if plan.drop_uid else None
        check = {
            **self.targets,
            "port": _listener().getsockname()[1] if _listener() else None,
            "grader_pid": None if plan.namespaces else os.getpid(),
        }
        try:
            self._send({"drop_to": drop_to, "check": check}, started + STARTUP_TIMEOUT)
            reply = self._read(STARTUP_TIMEOUT, 0.0, started, wall=STARTUP_TIMEOUT)
        except SubmissionError as exc:  # nothing of the student's has run yet: our setup broke
            self._collect_output()
            why = self._output.strip().splitlines()[-1:] or [str(exc)]
            raise _SetupFailed(_first_active(plan), f"the child did not start: {why[0]}") from None
        finally:
            _drain_listener()
        if isinstance(reply, dict) and "drop_failed" in reply:
            raise _SetupFailed("uid", f"setuid: {clean(reply['drop_failed'], 200)}")
        if not isinstance(reply, dict) or "ready" not in reply:
            raise _SetupFailed(_first_active(plan), "the child's self-check was malformed")
        return Facts.from_child(reply["ready"])

    # -- internals -----------------------------------------------------------------------
    def _result(self, reply: dict, args: list[Any]) -> CallResult:
        if not reply.get("ok"):
            bad = reply.get("bad_return")
            if isinstance(bad, dict):  # the grader words this itself: only names are quoted
                kind = clean(bad.get("kind", "value"), 60)
                detail = clean(bad.get("detail", ""), 200)
                if bad.get("numbers") is False:  # an array, but of objects, strings...
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
        seconds = reply.get("seconds")
        return CallResult(
            value=np.array(value, dtype=np.float64, copy=True),
            returned_dtype=str(value.dtype),
            inputs_after=inputs_after,
            seconds=float(seconds) if isinstance(seconds, (int, float)) else 0.0,
            probe=read_probe(reply.get("probe")) or WITHHELD,
        )

    def _remaining_cpu(self) -> float:
        return self.budget - self.spent_cpu

    def _remaining_wall(self) -> float:
        return self.budget * WALL_FACTOR - self.spent_wall

    def _charge(self, started: float, cpu0: float) -> None:
        self.spent_wall += time.monotonic() - started
        if self._proc is not None:
            self.spent_cpu += max(0.0, self._cpu() - cpu0)
        else:  # killed: its CPU time is gone with it; charge the wall clock instead
            self.spent_cpu += time.monotonic() - started

    def _cpu(self) -> float:
        """CPU seconds used by the child (all its processes where a cgroup accounts them)."""
        used = cgroups.cpu_seconds(self._groups)
        if used is not None:
            return used
        pid = self._main_pid()
        return (identity.main_process_cpu(pid) if pid else None) or 0.0

    def _main_pid(self) -> int | None:
        """The Python process (behind the PID namespace's init, when there is one)."""
        if self._proc is None:
            return None
        if self._python_pid is None:
            if self._plan is not None and self._plan.namespaces:
                children = identity.children_of(self._proc.pid)
                if not children:
                    return None
                self._python_pid = children[0]
            else:
                self._python_pid = self._proc.pid
        return self._python_pid

    def _send(self, message: dict, deadline: float) -> None:
        """Write a request without ever blocking past ``deadline`` (a child may stop reading)."""
        data = json.dumps(wire.encode(message), allow_nan=True).encode()
        view = memoryview(wire._HEADER.pack(len(data)) + data)
        os.set_blocking(self._request_fd, False)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._request_fd], [], remaining)[1]:
                self._kill()
                raise TimedOut("timed out: it stopped reading the grader's requests")
            try:
                view = view[os.write(self._request_fd, view) :]
            except BlockingIOError:
                continue
            except OSError:  # the child is gone
                code = self._proc.wait() if self._proc else None
                self._kill()
                raise Crashed(_ended(code)) from None

    def _read(self, cpu_limit: float, cpu0: float, started: float, wall: float | None = None):
        """The next reply, within ``cpu_limit`` CPU seconds and the wall-clock cap."""
        wall = cpu_limit * WALL_FACTOR if wall is None else wall
        wall = min(wall, max(self._remaining_wall(), 0.0) + (time.monotonic() - started))

        def expired() -> str | None:
            self._count_processes()
            if time.monotonic() - started > wall:
                return f"timed out after {wall:.0f} s (it was waiting, or starved of CPU)"
            if cpu_limit and self._cpu() - cpu0 > cpu_limit:
                return (
                    f"timed out after {cpu_limit:.0f} s of CPU (an infinite loop, or far too slow)"
                )
            return None

        header = self._read_exact(wire._HEADER.size, expired)
        (length,) = wire._HEADER.unpack(header)
        if length > MAX_REPLY:
            self._kill()
            raise Interfered("the submission sent an oversized reply")
        body = self._read_exact(length, expired)
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            self._kill()
            raise Interfered("the submission interfered with the grader's messages") from None

    def _count_processes(self) -> None:
        """Where NPROC counts all of the user's processes (no cgroup, no uid or user namespace
        of its own), the limit moves as the user's other processes (a neighbour's sandbox)
        come and go: count the child's own processes while it runs, and stop it past the cap."""
        plan = self._plan
        if self._proc is None or plan is None or plan.cgroups or plan.namespaces or self.root:
            return
        running = len(identity.descendants(self._proc.pid))
        if running > EXTRA_PROCESSES:
            self._kill()
            raise Crashed(
                f"was stopped: it ran {running} processes at once (at most {EXTRA_PROCESSES} "
                "are allowed)"
            )

    def _read_exact(self, n: int, expired: Any) -> bytes:
        chunks, got = [], 0
        while got < n:
            if not select.select([self._reply_fd], [], [], POLL)[0]:
                why = expired()
                if why:
                    self._kill()
                    raise TimedOut(why)
                continue
            chunk = os.read(self._reply_fd, min(n - got, 1 << 20))
            if not chunk:
                code = self._proc.wait() if self._proc else None
                self._kill()
                raise Crashed(_ended(code))
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
        """End the child and everything it started; remove what it left; free its folders."""
        proc, self._proc = self._proc, None
        self._python_pid = None
        if proc is not None:
            tree = identity.descendants(proc.pid) if not self.root else []
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            for pid in tree:  # those that left the process group, while we know them
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if self.uid is not None:  # children that escaped the group (setsid) too
                identity.kill_uid(self.uid)
            cgroups.kill_all(self._groups)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if not self.root:  # escapees re-parented to us (we are their subreaper)
                identity.kill_orphans(self._children_before | {proc.pid})
            for fd in (self._request_fd, self._reply_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
            if self.uid is not None and not (self._plan and self._plan.namespaces):
                identity.remove_ipc(self.uid)  # no IPC namespace held them
                identity.remove_litter(self.uid)
        self._collect_output()
        for folder in (self._scratch, self._outdir):
            if folder:
                remove_tree(folder)
        self._scratch = self._outdir = None
        cgroups.remove(self._groups)
        self._groups = ()


def _read_all(fd: int) -> str:
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def _first_active(plan: Plan) -> str:
    """The mechanism to drop when a child fails without saying why: the most intrusive."""
    for mechanism, active in (
        ("landlock", plan.landlock),
        ("seccomp", plan.seccomp),
        ("namespaces", plan.namespaces),
        ("cgroups", plan.cgroups),
        ("uid", plan.drop_uid),
    ):
        if active:
            return mechanism
    raise OSError("the sandbox's child could not start even without protections")


def _ended(code: int | None) -> str:
    return (
        "your code ended the grading process (os._exit, a crash, or running out of memory: "
        f"{_exit_reason(code)})"
    )


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


__all__ = [
    "CallResult",
    "LoadReport",
    "Sandbox",
    "SetupError",
    "SubmissionError",
    "clean",
    "decode_untrusted",
]


def detect_protections(hide: tuple[str, ...] = ()) -> Protections:
    """What a child gets on this machine (mechanisms and measured facts), without grading."""
    with Sandbox([], []) as sandbox:
        return sandbox.probe()
