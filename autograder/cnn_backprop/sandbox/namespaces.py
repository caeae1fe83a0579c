"""Namespaces and a private root: the child's own view of the machine, where the kernel allows it.

The child gets new mount, network, IPC and PID namespaces and is chrooted into a root built from
a whitelist (the system's programs and libraries and the interpreter, read-only; a few devices;
private, size-capped /tmp folders), so no checkout, home folder or other submission exists for
it.  As root the namespaces come directly; for an ordinary user through a user namespace (for
root a user namespace could map only root itself, so a container that refuses namespaces to
root gets Landlock instead).  Every step either
works or raises ``SetupError``: the caller then falls back to what is left, and says so.

Runs in the forked child before exec (``preexec_fn``): nothing here may start threads.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import signal
import subprocess
import sys

from .errors import SetupError

# Linux constants (sched.h, mount.h); os.unshare only exists from Python 3.12
CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC = 0x00020000, 0x40000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 18, 1 << 21, 1 << 24
ST_NOSUID, ST_NODEV, ST_NOEXEC, ST_NOATIME, ST_NODIRATIME, ST_RELATIME = 2, 4, 8, 1024, 2048, 4096

# What the child's filesystem holds: the system's programs and libraries (read-only), the
# interpreter, and nothing else: no checkouts, no home folders, no other copy of the grader.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
DEVICES = ("null", "zero", "random", "urandom")
SCRATCH = (("/tmp", b"64m"), ("/var/tmp", b"4m"), ("/dev/shm", b"16m"))
WORKDIR = "/tmp/work"  # the child's working folder, inside its private /tmp


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SetupError("namespaces", f"{what}: {os.strerror(errno)}")


def interpreter_paths() -> list[str]:
    """The folders the interpreter runs from (a venv and the Python it was made from) and every
    folder on the child's ``sys.path`` (packages a ``.pth`` file adds from elsewhere)."""
    found = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)}
    found.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    found.update(_child_sys_path())
    return sorted(found)


@functools.lru_cache(maxsize=1)
def _child_sys_path() -> tuple[str, ...]:
    """``sys.path`` of ``python -I`` (how the child is started), asked once per process."""
    try:
        out = subprocess.run(
            [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={"PATH": "/usr/bin:/bin"},
        )
        entries = json.loads(out.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return ()
    return tuple(os.path.realpath(e) for e in entries if isinstance(e, str) and os.path.isdir(e))


def whitelist(exclude: tuple[str, ...] = ()) -> list[str]:
    """System folders then the interpreter's, without any that another one already holds,
    and without any that holds, or lies in, an ``exclude`` path (the grader's own files).

    Binding a folder twice fails (the system Python's prefix is /usr, a system folder), and a
    failure here must not silently cost the whole private root.
    """
    excluded = [os.path.realpath(e) for e in exclude]
    kept: list[str] = []
    for path in (*SYSTEM_PATHS, *interpreter_paths()):
        if not os.path.lexists(path):
            continue
        if any(_within(path, k) for k in kept):
            continue
        if path not in SYSTEM_PATHS and any(_within(path, e) or _within(e, path) for e in excluded):
            continue
        kept.append(path)
    return kept


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def open_handles(paths: list[str]) -> dict[str, int]:
    """O_PATH handles to everything the root will hold, opened in the new mount namespace
    (a bind's source must be in it) before any tmpfs covers where they live."""
    handles = {}
    for path in (*paths, *(f"/dev/{d}" for d in DEVICES)):
        if os.path.exists(path) and not os.path.islink(path):
            handles[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
    return handles


def unshare(user_namespace: bool) -> None:
    """New mount, network, IPC and PID namespaces (inside a new user namespace if asked)."""
    libc = _libc()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID
    if not user_namespace:
        _check(libc.unshare(flags), "unshare")
        return
    uid, gid = os.geteuid(), os.getegid()
    _check(libc.unshare(CLONE_NEWUSER | flags), "unshare (user namespace)")
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        try:
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        except OSError as exc:
            raise SetupError("namespaces", f"writing {name}: {exc.strerror}") from None


def _locked_flags(path: str) -> int:
    """The flags a remount must keep: in a user namespace nosuid, nodev, noexec and the atime
    mode of the original mount are locked, and a remount that drops one is refused."""
    flags = os.statvfs(path).f_flag
    kept = 0
    for st, ms in (
        (ST_NOSUID, MS_NOSUID),
        (ST_NODEV, MS_NODEV),
        (ST_NOEXEC, MS_NOEXEC),
        (ST_NODIRATIME, MS_NODIRATIME),
    ):
        if flags & st:
            kept |= ms
    if flags & ST_NOATIME:
        kept |= MS_NOATIME
    elif not flags & ST_RELATIME:
        kept |= MS_STRICTATIME
    return kept


def build_root(
    paths: list[str], handles: dict[str, int], hidden: tuple[str, ...], owner: int | None
) -> None:
    """Build a root of ``paths`` (the whitelist) on a tmpfs of this namespace, chroot into it.

    ``hidden``: sensitive paths that must stay invisible even if they lie inside a kept folder
    (a checkout under /usr/local, say): covered with an empty tmpfs or /dev/null.
    ``owner``: the uid that will run in the root (its working folder is made its own).
    """
    libc = _libc()
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    root = "/mnt" if os.path.isdir("/mnt") else "/tmp"
    _check(libc.mount(b"none", root.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755"), root)
    empty = MS_NOSUID | MS_NODEV | MS_NOEXEC
    for scratch, size in SCRATCH:  # first: the interpreter may then be bound inside one of them
        os.makedirs(root + scratch, exist_ok=True)
        _check(
            libc.mount(
                b"none", (root + scratch).encode(), b"tmpfs", empty, b"size=" + size + b",mode=1777"
            ),
            scratch,
        )
    for path in (*paths, *(f"/dev/{d}" for d in DEVICES)):
        target = root + path
        if not os.path.lexists(path):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if path not in handles:  # /bin -> usr/bin and friends
            with contextlib.suppress(FileExistsError):
                os.symlink(os.readlink(path), target)
            continue
        if path.startswith("/dev/"):
            open(target, "w").close()
        else:
            os.makedirs(target, exist_ok=True)
        source = f"/proc/self/fd/{handles[path]}".encode()
        _check(libc.mount(source, target.encode(), None, MS_BIND | MS_REC, None), f"bind {path}")
        if not path.startswith("/dev/"):  # read-only, keeping the flags the kernel locks
            flags = MS_BIND | MS_REMOUNT | MS_RDONLY | _locked_flags(target)
            _check(libc.mount(None, target.encode(), None, flags, None), f"read-only {path}")
    for path in hidden:
        target = root + path
        if os.path.isdir(target):
            _check(
                libc.mount(b"none", target.encode(), b"tmpfs", empty, b"size=4k,mode=000"),
                f"hide {path}",
            )
        elif os.path.lexists(target):
            _check(libc.mount(b"/dev/null", target.encode(), None, MS_BIND, None), f"hide {path}")
    for fd in handles.values():
        os.close(fd)
    os.makedirs(root + "/proc", exist_ok=True)  # mounted once we are PID 1 of our namespace
    # the skeleton itself read-only: only the private tmp folders are writable
    _check(
        libc.mount(None, root.encode(), None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None),
        "read-only root",
    )
    os.chroot(root)
    os.chdir("/")
    os.makedirs(WORKDIR, mode=0o700)
    if owner is not None:
        os.chown(WORKDIR, owner, owner)
    os.chdir(WORKDIR)


def become_pid_namespace_init() -> None:
    """Fork, so the exec'd child is PID 1 of the new PID namespace, and mount its /proc.

    When PID 1 dies the kernel kills every process in the namespace, including any that
    escaped the process group with setsid.  The intermediate process only waits and mirrors
    the exit status; it closes every other fd so Popen sees the exec succeed.
    """
    pid = os.fork()
    if pid == 0:  # the child goes on to exec; /proc shows only its own namespace
        _check(
            _libc().mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
            "mount /proc",
        )
        return
    os.closerange(3, 65536)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # mirror the signal (SIGKILL's disposition cannot be changed, nor needs to)
        with contextlib.suppress(OSError, ValueError):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)
