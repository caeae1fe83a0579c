"""The submission's side of the sandbox: runs student code, answers calls.

This file is executed as a script (``python -I -c <this source>``) in a child
process that holds no expected values.  It must import nothing but the standard
library and numpy, because under the hardened grader the child cannot read the
grader's own files.  The trusted parent imports the framing helpers from here,
so both sides share one definition of the wire format.

Wire format: each message is an 8-byte big-endian length followed by UTF-8 JSON.
Arrays travel as ``{"__ndarray__": [dtype_str, shape, base64_bytes]}``; nothing
is ever pickled, so the parent never runs code chosen by the child.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import signal
import struct
import sys
import time
import traceback
from typing import Any

MAX_MESSAGE = 256 * 1024 * 1024
OUTPUT_CAP = 1024 * 1024  # bytes of printed output kept; the rest is dropped
_HEADER = struct.Struct(">Q")


def encode(value: Any) -> Any:
    """Turn nested containers of ndarrays into JSON-safe data."""
    import numpy as np

    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        return {
            "__ndarray__": [
                arr.dtype.str,
                list(arr.shape),
                base64.b64encode(arr).decode(),
            ]
        }
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def write_message(fd: int, message: dict) -> None:
    data = json.dumps(encode(message), allow_nan=True).encode()
    payload = _HEADER.pack(len(data)) + data
    view = memoryview(payload)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> dict:
    (length,) = _HEADER.unpack(read_exact(fd, _HEADER.size))
    if length > MAX_MESSAGE:
        raise ValueError(f"message of {length} bytes is too large")
    return json.loads(read_exact(fd, length))


def _decode_trusted(value: Any) -> Any:
    """Child-side decoding of the parent's inputs (the parent is trusted)."""
    import numpy as np

    if isinstance(value, dict) and "__ndarray__" in value:
        dtype, shape, data = value["__ndarray__"]
        return np.frombuffer(base64.b64decode(data), dtype=dtype).reshape(shape).copy()
    if isinstance(value, list):
        return [_decode_trusted(v) for v in value]
    if isinstance(value, dict):
        return {k: _decode_trusted(v) for k, v in value.items()}
    return value


def _describe(exc: BaseException, filename_prefix: str = "<") -> dict:
    """Exception type, message and the student's own frames (not ours)."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.startswith(filename_prefix)
        or (
            f.filename.endswith(".py")
            and "site-packages" not in f.filename
            and f.filename != "<string>"
        )
    ]
    where = ""
    if frames:
        last = frames[-1]
        where = f"{last.filename}, line {last.lineno}, in {last.name}"
    try:
        text = str(exc)
    except BaseException:  # a hostile __str__
        text = "<message could not be shown>"
    return {"type": type(exc).__name__, "message": text[:2000], "where": where}


def _load(cells: list, names: list) -> dict:
    """Run the submission's cells in one namespace; carry on past failing cells."""
    namespace: dict = {"__name__": "submission", "__builtins__": __builtins__}
    errors = []
    for label, source in cells:
        try:
            code = compile(source, label, "exec")
        except SyntaxError as exc:
            errors.append(
                {
                    "type": "SyntaxError",
                    "message": exc.msg,
                    "where": f"{label}, line {exc.lineno}",
                }
            )
            continue
        except BaseException as exc:  # e.g. ValueError for NUL bytes
            errors.append({**_describe(exc), "where": label})
            continue
        try:
            exec(code, namespace)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            errors.append(_describe(exc))
    found = {}
    for name in names:
        obj = namespace.get(name)
        found[name] = (
            "callable" if callable(obj) else ("missing" if obj is None else "not callable")
        )
    return namespace, {"errors": errors, "functions": found}


class _ProbeWatch:
    """Measures, during one call, whether the called function evaluates other functions one
    input entry at a time: what numerical differentiation and one-hot probing of a forward
    pass do, and what deriving the gradient never does.

    Installed with ``sys.setprofile`` for that call only.  It looks at calls of functions the
    submission defined (their code has no absolute file name: cells, the ``.py`` file) other
    than the called one, and counts:

    * ``evaluations``: distinct (function, argument, entry) at which such a function was
      evaluated with an array argument (of at least ``MIN_SIZE`` entries) that either has a
      single nonzero entry or differs from that argument at its previous call in one or two
      entries, when the call then returned a number or an array of another shape;
    * ``forward_like``: calls that took an array shaped like one of the call's array arguments
      and returned one shaped like another of them (``x`` in, ``delta`` out: a forward pass);
    * ``function``: the name of the function evaluated at the most entries;
    * ``intact``: whether this watch was still the profiler when the call returned.

    It only measures: the grader (``probing.py``, in the parent) decides what the numbers
    mean, and uses them for nothing else.  A function that loses interest (``EXAMINED`` calls
    with no probe) is no longer examined, which bounds the cost for helper-heavy code.
    """

    MIN_SIZE = 4  # smaller arrays (pooling windows, a filter's taps) are never probes
    MAX_SIZE = 1 << 16  # larger ones are not compared with their previous value
    EXAMINED = 64

    def __init__(self, func: Any, args: list) -> None:
        import numpy as np

        self.np = np
        self.own = getattr(func, "__code__", None)
        self.shapes = [a.shape if isinstance(a, np.ndarray) else None for a in args]
        self.pending: dict = {}  # frame -> (input shapes it took, probed entries)
        self.state: dict = {}  # code -> [examined, probes seen, {argument: previous copy}]
        self.probed: dict = {}  # code -> set of (argument, entry)
        self.forward_like = 0

    def event(self, frame: Any, event: str, arg: Any) -> None:
        """The profiler: every call and return, of Python and C functions alike."""
        try:
            if event == "call":
                code = frame.f_code
                # not the called function itself, nor library code (numpy, the stdlib): cheap
                # to tell, and most events are those
                if code is not self.own and not code.co_filename.startswith("/"):
                    self._enter(frame, code)
            elif event == "return" and self.pending:
                self._leave(frame, arg)
        except Exception:  # measuring must never change what the student's code does
            pass

    def _enter(self, frame: Any, code: Any) -> None:
        state = self.state.get(code)
        if state is None:
            state = self.state[code] = [0, 0, {}]
        if state[0] >= self.EXAMINED and not state[1]:
            return
        state[0] += 1
        np = self.np
        count = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x04)
        values = [frame.f_locals.get(name) for name in code.co_varnames[:count]]
        took, entries = [], []
        for position, value in enumerate(values):
            for item in value if type(value) is tuple else (value,):  # *args
                if not isinstance(item, np.ndarray):
                    continue
                took += [i for i, shape in enumerate(self.shapes) if shape == item.shape]
                if self.MIN_SIZE <= item.size <= self.MAX_SIZE and item.dtype.kind in "biuf":
                    entries += self._probe(state[2], position, item)
        if took or entries:
            self.pending[frame] = (took, entries)

    def _probe(self, previous: dict, position: int, item: Any) -> list:
        np = self.np
        nonzero = np.flatnonzero(item)
        found = [] if len(nonzero) != 1 else [(position, item.shape, int(nonzero[0]))]
        before = previous.get(position)
        if not found and before is not None and before.shape == item.shape:
            changed = np.flatnonzero(item != before)
            if 1 <= len(changed) <= 2:  # x + h*e_i after x - h*e_i, or after x + h*e_(i-1)
                found = [(position, item.shape, int(i)) for i in changed]
        previous[position] = item.copy()
        return found

    def _leave(self, frame: Any, value: Any) -> None:
        pair = self.pending.pop(frame, None)
        if pair is None:
            return
        took, entries = pair
        np = self.np
        shape = value.shape if isinstance(value, np.ndarray) else None
        if shape is not None and took:
            gave = [j for j, s in enumerate(self.shapes) if s == shape]
            if any(i != j for i in took for j in gave):
                self.forward_like += 1
        number = isinstance(value, (int, float, np.generic)) and not isinstance(value, bool)
        kept = [e for e in entries if number or (shape is not None and shape != e[1])]
        if kept:
            code = frame.f_code
            self.state[code][1] += 1
            self.probed.setdefault(code, set()).update((p, i) for p, _, i in kept)

    def report(self, intact: bool) -> dict:
        top = max(self.probed.items(), key=lambda item: len(item[1]), default=None)
        return {
            "evaluations": len(top[1]) if top else 0,
            "forward_like": self.forward_like,
            "function": top[0].co_name if top else "",
            "intact": intact,
        }


def _watched_call(func: Any, args: list, kwargs: dict) -> tuple[Any, dict]:
    """``func(*args, **kwargs)`` under a ``_ProbeWatch``; returns (result, measurements)."""
    watch = _ProbeWatch(func, args)
    sys.setprofile(watch.event)
    try:
        result = func(*args, **kwargs)
    finally:
        intact = sys.getprofile() == watch.event  # equal bound methods: same watch
        sys.setprofile(None)
    return result, watch.report(intact)


def _answer(namespace: dict, request: dict) -> dict:
    import numpy as np

    func = namespace.get(request["func"])
    args = _decode_trusted(request["args"])
    kwargs = _decode_trusted(request["kwargs"])
    start = time.perf_counter()
    try:
        result, probe = _watched_call(func, args, kwargs)
    except BaseException as exc:
        return {
            "ok": False,
            "error": _describe(exc),
            "seconds": time.perf_counter() - start,
        }
    seconds = time.perf_counter() - start
    try:
        kind = type(result).__name__
        arr = np.array(result, copy=True)
        if arr.dtype.kind not in "biuf":
            return {
                "ok": False,
                "bad_return": {"kind": kind, "detail": f"dtype {arr.dtype}", "numbers": False},
            }
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    except BaseException as exc:
        return {
            "ok": False,
            "bad_return": {"kind": kind, "detail": _describe(exc)["message"][:200]},
        }
    inputs_after = [a if isinstance(a, np.ndarray) else None for a in args]
    return {
        "ok": True,
        "result": arr,
        "returned_type": kind,
        "inputs_after": inputs_after,
        "seconds": seconds,
        "probe": probe,
    }


class _CappedText(io.TextIOBase):
    """A text stream that writes to ``fd`` until ``limit`` bytes, then drops the rest."""

    def __init__(self, fd: int, limit: int) -> None:
        self.fd, self.left = fd, limit

    def write(self, text: str) -> int:
        if self.left > 0:
            data = str(text).encode("utf-8", "replace")[: self.left]
            self.left -= len(data)
            try:
                os.write(self.fd, data)
            except OSError:
                self.left = 0
        return len(text)

    def writable(self) -> bool:
        return True


# Imported before the uid drop: where the sandbox uid cannot read the interpreter's folders
# (a Python under a private home), these still work; anything else imports as usual.
PRELOAD = [
    "numpy",
    "numpy.linalg",
    "numpy.fft",
    "numpy.lib.stride_tricks",
    "math",
    "cmath",
    "itertools",
    "functools",
    "collections",
    "collections.abc",
    "typing",
    "dataclasses",
    "copy",
    "operator",
    "numbers",
    "fractions",
    "statistics",
    "random",
    "re",
    "string",
    "warnings",
    "contextlib",
    "enum",
    "abc",
]


# ... and where the interpreter is closed to other users, a wider set: after the drop nothing
# else can be imported (grading still works; the report notes it)
PRELOAD_CLOSED = ("numpy.testing", "numpy.random", "unittest", "json", "pathlib", "heapq", "bisect")


def _open_to_others(path: str) -> bool:
    """Whether every folder down to ``path`` lets other users in (o+x)."""
    import stat

    while path not in ("", "/"):
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        path = os.path.dirname(path)
    return True


def _preload(dropping: bool) -> None:
    import importlib

    for name in PRELOAD:  # a module this Python lacks: the submission will find out
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    where = [os.path.dirname(os.__file__)]
    if "numpy" in sys.modules:
        where.append(os.path.dirname(sys.modules["numpy"].__file__))
    if dropping and not all(_open_to_others(p) for p in where):
        for name in PRELOAD_CLOSED:
            with contextlib.suppress(Exception):
                importlib.import_module(name)


def _drop_to(uid: int) -> None:
    """Become the sandbox's own uid (root starts us so that the interpreter is reachable)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError(f"still uid {os.getuid()}")


def _self_check(check: dict) -> dict:
    """What this process can do, measured before any student code runs: the parent judges."""
    import random
    import socket

    readable = []
    for path in check.get("read", []):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                if os.path.isdir(f"/proc/self/fd/{fd}") or os.path.isdir(path):
                    os.listdir(fd)
            finally:
                os.close(fd)
            readable.append(path)
        except OSError:
            pass
    writable = []
    written = {}
    token = f".cnn-backprop-probe-{random.getrandbits(64):016x}"
    for folder in check.get("write", []):
        target = os.path.join(folder, token)
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o600))
        except OSError:
            continue
        writable.append(folder)
        with contextlib.suppress(OSError):
            st = os.stat(folder)
            written[folder] = [st.st_dev, st.st_ino]  # which folder it really was
        with contextlib.suppress(OSError):
            os.unlink(target)
    network = False
    if check.get("port"):
        try:
            socket.create_connection(("127.0.0.1", int(check["port"])), timeout=1).close()
            network = True
        except OSError:
            pass
    signal_grader = None
    if check.get("grader_pid"):
        try:
            os.kill(int(check["grader_pid"]), 0)
            signal_grader = True
        except PermissionError:
            signal_grader = False
        except OSError:
            signal_grader = None
    stdlib = os.path.dirname(os.__file__)
    return {
        "readable": readable,
        "writable": writable,
        "written": written,
        "network": network,
        "signal_grader": signal_grader,
        "uid": os.getuid(),
        "interpreter_readable": os.access(stdlib, os.R_OK | os.X_OK),
    }


def serve(request_fd: int, reply_fd: int) -> None:
    """Start up and check (as the grader's code), then load the submission and answer calls."""
    hello = read_message(request_fd)
    dropping = hello.get("drop_to") is not None and os.getuid() == 0
    _preload(dropping)
    if dropping:
        try:
            _drop_to(int(hello["drop_to"]))
        except OSError as exc:
            write_message(reply_fd, {"id": 0, "drop_failed": str(exc)})
            return
    write_message(reply_fd, {"id": 0, "ready": _self_check(hello.get("check", {}))})
    setup = read_message(request_fd)
    if "cells" not in setup:
        return  # the parent refused to go on (isolation below the course's minimum)
    # fds 1 and 2 are the parent's capped output file; print() stops quietly at the cap
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.stdout = sys.stderr = _CappedText(1, OUTPUT_CAP)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - input() must not block
    start = time.perf_counter()
    namespace, report = _load(setup["cells"], setup["names"])
    report["seconds"] = time.perf_counter() - start
    sys.stdout.flush()
    write_message(reply_fd, {"id": 0, "load": report})
    while True:
        request = read_message(request_fd)
        if request.get("op") == "stop":
            return
        reply = _answer(namespace, request)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        reply["id"] = request["id"]
        write_message(reply_fd, reply)


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
