"""What isolation the platform allows, and how the child process is started with it.

Each protection is detected, not assumed: the grader runs as root on Gradescope and in CI but
as an ordinary user on an instructor's laptop, and containers differ in what they permit.
Whatever is active is recorded so the report can say which protections were on.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

# Limits for the child.  Address space: numpy plus the hidden cases need well under 300 MB;
# 1 GiB turns a runaway allocation into a clean MemoryError instead of the OOM killer.
MEMORY_BYTES = 1024 * 1024 * 1024
OUTPUT_BYTES = 4 * 1024 * 1024  # printed output beyond this is refused (EFBIG), not stored
OPEN_FILES = 64
PROCESSES = 64  # enforced only for a non-root uid; counts threads too
UNPRIVILEGED_EXTRA_PROCESSES = 4  # grading as a user: NPROC counts all of the user's processes


@dataclass(frozen=True)
class Protections:
    """The protections in force for child processes, as recorded in every report."""

    drop_uid: bool = False  # each sandbox gets its own unprivileged uid (root only)
    private_fs: bool = False  # mount namespace: grader files hidden, fresh /tmp
    no_network: bool = False  # network namespace with no interfaces up
    cgroups: bool = False  # a memory and process cap for the child and everything it starts
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> list[str]:
        active = [
            "separate child process (inputs in, plain data out; expected values never sent)",
            "resource limits: 1 GiB memory, CPU time, file size, open files, no core dumps",
            "per-call timeout and per-submission time budget; process group killed on exit",
        ]
        if self.drop_uid:
            active.append("runs as a fresh unprivileged uid; all its processes killed at the end")
        if self.private_fs:
            active.append("private filesystem view: grader files hidden, private /tmp")
        if self.no_network:
            active.append("no network, private System V IPC")
        if self.cgroups:
            active.append(
                f"cgroup: {CGROUP_MEMORY // 2**20} MiB and {PROCESSES} processes in total"
            )
        return active + [f"not active: {note}" for note in self.notes]


# Linux constants (sched.h, mount.h); os.unshare only exists from Python 3.12
CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC = 0x00020000, 0x40000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
UID_BASE = 100_000  # sandbox uids: UID_BASE + the grading process's pid, unique per worker


def sandbox_uid() -> int:
    return UID_BASE + os.getpid()


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _enter_private_namespaces(hidden: tuple[str, ...]) -> None:
    """New mount, network, IPC and PID namespaces; hide the grader's paths; a fresh /tmp.

    Without root, a user namespace (mapping only our own uid) grants the right to mount.
    """
    libc = _libc()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID
    if os.geteuid() == 0:
        _check(libc.unshare(flags), "unshare")
    else:
        uid, gid = os.geteuid(), os.getegid()
        _check(libc.unshare(CLONE_NEWUSER | flags), "unshare")
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    empty = MS_NOSUID | MS_NODEV | MS_NOEXEC
    for path in hidden:
        if os.path.isdir(path):
            _check(libc.mount(b"none", path.encode(), b"tmpfs", empty, b"size=4k,mode=000"), path)
        elif os.path.exists(path):
            _check(libc.mount(b"/dev/null", path.encode(), None, MS_BIND, None), path)
    _chroot_into_minimal_root()


# What the child's filesystem holds: the system's programs and libraries (read-only), the
# interpreter, and nothing else: no checkouts, no home folders, no other copy of the grader.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
DEVICES = ("null", "zero", "random", "urandom")


def _chroot_into_minimal_root() -> None:
    """Build a root from a whitelist, on a tmpfs visible only in this namespace; chroot to it."""
    libc = _libc()
    interpreter = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)})
    paths = [p for p in (*SYSTEM_PATHS, *interpreter) if os.path.lexists(p)]
    devices = [f"/dev/{d}" for d in DEVICES if os.path.exists(f"/dev/{d}")]
    # handles first: the new root's tmpfs may cover where they live (a checkout under /tmp)
    handles = {
        p: os.open(p, os.O_PATH) for p in (*paths, *devices) if not os.path.islink(p)
    }  # fmt: skip
    root = "/mnt" if os.path.isdir("/mnt") else "/tmp"
    _check(libc.mount(b"none", root.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755"), root)
    # the private tmp folders first: the interpreter may then be bound inside one of them
    empty = MS_NOSUID | MS_NODEV | MS_NOEXEC
    for scratch, size in (("/tmp", b"64m"), ("/var/tmp", b"4m"), ("/dev/shm", b"16m")):
        # writable, with a quota, and gone with the namespace
        os.makedirs(root + scratch, exist_ok=True)
        _check(
            libc.mount(b"none", (root + scratch).encode(), b"tmpfs", empty,
                       b"size=" + size + b",mode=1777"),
            scratch,
        )  # fmt: skip
    for path in (*paths, *devices):
        target = root + path
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if path not in handles:  # /bin -> usr/bin and friends
            os.symlink(os.readlink(path), target)
            continue
        if path in devices:
            open(target, "w").close()
        else:
            os.makedirs(target, exist_ok=True)
        source = f"/proc/self/fd/{handles[path]}".encode()
        _check(libc.mount(source, target.encode(), None, MS_BIND | MS_REC, None), path)
        if path not in devices:  # read-only where the platform lets us (best effort)
            libc.mount(None, target.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)
        os.close(handles[path])
    os.makedirs(root + "/proc", exist_ok=True)  # mounted once we are PID 1 of our namespace
    os.chroot(root)
    os.chdir("/")


def hidden_paths(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """What the child must not see: the grader's package, its resources, outputs, Otter's dirs.

    In a checkout every top-level entry is hidden except the one holding the interpreter
    (CI keeps its venv inside the checkout).
    """
    from .. import paths

    found = {str(paths.PACKAGE_DIR)}
    try:
        root = paths.root()
    except paths.ResourceError:
        root = None
    if root is not None:
        interpreter = os.path.realpath(sys.prefix)
        for entry in root.iterdir():
            real = os.path.realpath(entry)
            if not (interpreter == real or interpreter.startswith(real + os.sep)):
                found.add(str(entry))
    found.update(os.path.abspath(p) for p in extra)
    return tuple(sorted(found))


def _probe(protections: Protections, hidden: tuple[str, ...], secret_file: str) -> bool:
    """Start a real child with these protections: numpy must import, the secret must not show."""
    script = (
        "import numpy, sys\n"
        f"try:\n    open({secret_file!r}).read()\n    sys.exit(3)\n"
        "except OSError:\n    sys.exit(0)\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-c", script],
            preexec_fn=functools.partial(child_preexec, protections, 30, hidden, sandbox_uid()),
            capture_output=True,
            timeout=60,
            cwd="/",
            env=child_environment(),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


@functools.lru_cache(maxsize=1)
def detect_protections() -> Protections:
    """Probe once per process which protections this platform allows."""
    import tempfile

    root = os.geteuid() == 0
    with tempfile.TemporaryDirectory(prefix="cnn-backprop-probe-") as probe_dir:
        secret_file = os.path.join(probe_dir, "secret")
        with open(secret_file, "w") as f:
            f.write("probe")
        os.chmod(probe_dir, 0o755)
        os.chmod(secret_file, 0o644)  # world-readable: only the namespace can hide it
        notes = []
        if not root:
            private = Protections(private_fs=True, no_network=True)
            notes.append("uid drop and cgroup caps (the grader is not root)")
            if _probe(private, (probe_dir,), secret_file):
                return Protections(private_fs=True, no_network=True, notes=tuple(notes))
            notes.append(
                "private filesystem and network (user namespaces refused: the child runs as "
                "the grading user and can read what that user can)"
            )
            return Protections(notes=tuple(notes))
        probe_groups = make_cgroups(sandbox_uid())
        remove_cgroups(probe_groups)
        if not probe_groups:
            notes.append("cgroup caps (this platform does not let the grader create cgroups)")
        full = Protections(
            drop_uid=True, private_fs=True, no_network=True, cgroups=bool(probe_groups),
            notes=tuple(notes),
        )  # fmt: skip
        if _probe(full, (probe_dir,), secret_file):
            return full
        notes.append("private filesystem and network (namespaces refused by this platform)")
        if _probe(Protections(drop_uid=True), (), "/nonexistent"):
            return Protections(drop_uid=True, cgroups=bool(probe_groups), notes=tuple(notes))
        notes.append(
            f"uid drop (an unprivileged uid cannot run {sys.executable}: make its directories "
            "world-executable, as .ci/run and the autograder's setup do)"
        )
        return Protections(notes=tuple(notes))


def child_preexec(
    protections: Protections,
    cpu_seconds: int,
    hidden: tuple[str, ...] = (),
    uid: int = 0,
    cgroups: tuple[str, ...] = (),
) -> None:
    """Runs in the forked child before exec: cgroups, namespaces, limits, then the uid drop."""
    uid = uid or sandbox_uid()  # computed by the parent: getpid() here is the child's
    for group in cgroups:  # join before anything else: every later process is counted
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    if protections.private_fs:
        _enter_private_namespaces(hidden)
        _become_pid_namespace_init()
        # now PID 1 of the new namespace: a /proc that shows only its own processes
        _check(
            _libc().mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
            "mount /proc",
        )
        os.makedirs("/tmp/work", mode=0o700)  # the working folder, inside the private /tmp
        if protections.drop_uid:
            os.chown("/tmp/work", uid, uid)
        os.chdir("/tmp/work")
    limits = {
        resource.RLIMIT_AS: MEMORY_BYTES,
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_FSIZE: OUTPUT_BYTES,
        resource.RLIMIT_NOFILE: OPEN_FILES,
        resource.RLIMIT_CORE: 0,
        # without root there is no cgroup to cap the total memory: allow few extra processes
        resource.RLIMIT_NPROC: (
            PROCESSES if os.geteuid() == 0 else _user_processes() + UNPRIVILEGED_EXTRA_PROCESSES
        ),
    }
    for limit, value in limits.items():
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        # an unraisable limit is better than no grading
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(limit, (value, value))
    if protections.drop_uid:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    # setuid programs (mount, passwd...) must not regain privileges: PR_SET_NO_NEW_PRIVS
    _libc().prctl(38, 1, 0, 0, 0)


def _become_pid_namespace_init() -> None:
    """Fork, so the exec'd child is PID 1 of the new PID namespace.

    When PID 1 dies the kernel kills every process in the namespace, including any that
    escaped the process group with setsid.  The intermediate process only waits and mirrors
    the exit status; it closes every other fd so Popen sees the exec succeed.
    """
    pid = os.fork()
    if pid == 0:
        return  # the child goes on to exec
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


CGROUP_MEMORY = 1536 * 1024 * 1024  # all the child's processes together
CGROUP_V1 = {"memory": {"memory.limit_in_bytes": CGROUP_MEMORY}, "pids": {"pids.max": PROCESSES}}
CGROUP_V2_ROOT = "/sys/fs/cgroup"


def make_cgroups(uid: int) -> tuple[str, ...]:
    """Create this sandbox's cgroups (v1 memory+pids, or one v2 group); () if not allowed."""
    name = f"cnn-backprop-{uid}"
    made: list[str] = []
    try:
        if os.path.exists(os.path.join(CGROUP_V2_ROOT, "cgroup.controllers")):
            with open(os.path.join(CGROUP_V2_ROOT, "cgroup.subtree_control"), "w") as f:
                f.write("+memory +pids")
            group = os.path.join(CGROUP_V2_ROOT, name)
            os.makedirs(group, exist_ok=True)
            made.append(group)
            _write(group, {"memory.max": CGROUP_MEMORY, "pids.max": PROCESSES})
        else:
            for controller, settings in CGROUP_V1.items():
                group = os.path.join(CGROUP_V2_ROOT, controller, name)
                os.makedirs(group, exist_ok=True)
                made.append(group)
                _write(group, settings)
    except OSError:
        remove_cgroups(tuple(made))
        return ()
    return tuple(made)


def _write(group: str, settings: dict[str, int]) -> None:
    for key, value in settings.items():
        with open(os.path.join(group, key), "w") as f:
            f.write(str(value))


def kill_cgroup_processes(groups: tuple[str, ...]) -> None:
    """SIGKILL every process in the sandbox's cgroups until none is left (bounded)."""
    for _ in range(50):
        pids = set()
        for group in groups:
            with contextlib.suppress(OSError), open(os.path.join(group, "cgroup.procs")) as f:
                pids.update(int(line) for line in f if line.strip())
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


def remove_cgroups(groups: tuple[str, ...]) -> None:
    kill_cgroup_processes(groups)
    for group in groups:
        for _ in range(50):  # rmdir fails while the kernel still reaps the last process
            try:
                os.rmdir(group)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)


def _user_processes() -> int:
    """How many processes (threads included) the current user runs: NPROC counts them all."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
    return count


def kill_uid_processes(uid: int) -> None:
    """Kill every process running as ``uid``, including any that left the process group."""
    pid = os.fork()
    if pid == 0:  # the sweeper takes the uid, so kill(-1) reaches exactly that uid's processes
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(3):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    deadline = time.monotonic() + 5
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:  # frozen by a sandbox process: take it down
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.01)


def prepare_scratch(path: str, protections: Protections, uid: int) -> None:
    """The child's working directory: private, and writable by the child's uid only."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if protections.drop_uid:
        os.chown(path, uid, uid)


def remove_scratch(path: str) -> None:
    """Remove the child's folder; rm(1) copes with trees too deep for shutil.rmtree."""
    try:
        shutil.rmtree(path)
    except (OSError, RecursionError):
        subprocess.run(["rm", "-rf", "--one-file-system", path], check=False, timeout=120)


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
