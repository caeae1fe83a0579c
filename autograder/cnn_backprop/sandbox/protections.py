"""Which protections the child gets, how it is started with them, and what they achieved.

The grader runs as root on Gradescope and in CI, as an ordinary user on a laptop, and in
containers that refuse some kernel features.  So nothing is assumed:

* a **plan** lists the mechanisms to set up: namespaces with a private root (directly as root,
  through a user namespace otherwise), Landlock, a seccomp filter, cgroups, a uid of its own.  The
  first child of a grading process tries the strongest plan; a mechanism that fails to come up
  is reported by the child (through a status pipe, before exec) and dropped for the rest of the
  process, with a warning on the console and a note in every report: never silently;
* the **facts** are measured by every child before any student code runs: which of the
  grader's files it could read, where it could write, whether it reached the network or could
  signal the grader.  What a submission could do is what the report says, whatever the
  mechanisms;
* the course's ``min_isolation`` says which facts must hold; below it the grader refuses to run
  the submission at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import resource
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from . import cgroups, landlock, namespaces, seccomp
from .errors import SetupError

MEMORY_BYTES = 1024 * 1024 * 1024  # per process: numpy and the cases need well under 300 MB
OUTPUT_BYTES = 4 * 1024 * 1024  # printed output beyond this is refused (EFBIG), not stored
OPEN_FILES = 64
EXTRA_PROCESSES = 4  # without a cgroup: processes (threads too) beyond the child itself
LEVELS = ("none", "files", "full")  # min_isolation: what must hold before student code runs
MECHANISMS = ("namespaces", "landlock", "seccomp", "cgroups", "uid")


@dataclass(frozen=True)
class Plan:
    """The mechanisms a child is started with (a subset of what the platform allows)."""

    namespaces: bool = False  # as root directly, else through a user namespace
    landlock: int = 0  # the Landlock ABI to use; 0: none
    seccomp: bool = False
    cgroups: bool = False
    drop_uid: bool = False  # root only: a fresh uid per sandbox

    def without(self, mechanism: str) -> Plan:
        if mechanism == "landlock":
            return replace(self, landlock=0)
        if mechanism == "uid":
            return replace(self, drop_uid=False)
        return replace(self, **{mechanism: False})


@dataclass(frozen=True)
class Facts:
    """What the child found it could do, measured before any student code ran."""

    readable: tuple[str, ...] = ()  # the grader's files it could read (must be none)
    writable: tuple[str, ...] = ()  # protected folders it could create files in (none)
    network: bool = False  # it reached a listener of the grader on the loopback
    signal_grader: bool | None = None  # it could signal the grading process (None: not visible)
    uid: int = -1
    interpreter_readable: bool = True  # after the uid drop, lazy imports still work

    @classmethod
    def from_child(cls, data: Any) -> Facts:
        """The child's self-check; anything malformed counts as the worst case."""
        if not isinstance(data, dict):
            return cls(readable=("(no self-check)",), network=True, signal_grader=True)

        def paths(key: str) -> tuple[str, ...]:
            value = data.get(key)
            if not isinstance(value, list):
                return ("(unreported)",)
            return tuple(str(v)[:300] for v in value[:50])

        signal_grader = data.get("signal_grader")
        return cls(
            readable=paths("readable"),
            writable=_really_written(paths("writable"), data.get("written")),
            network=data.get("network") is not False,
            signal_grader=signal_grader if signal_grader in (True, False, None) else True,
            uid=data["uid"] if isinstance(data.get("uid"), int) else -1,
            interpreter_readable=data.get("interpreter_readable") is not False,
        )


def _really_written(folders: tuple[str, ...], identities: Any) -> tuple[str, ...]:
    """The folders the child wrote in that are the grader's own, not a private stand-in.

    In a private root, the folders above a bound path (a venv under ``/tmp``) exist in the
    child's own tmpfs: writing there touches nothing of the grader's.  A folder counts unless
    the child's (device, inode) for it differs from the real one; a bind mount of the real
    folder keeps both, so a real leak is always counted, and so is anything unreported.
    """
    if not isinstance(identities, dict):
        return folders
    kept = []
    for folder in folders:
        seen = identities.get(folder)
        try:
            real = os.stat(folder)
        except OSError:
            kept.append(folder)
            continue
        valid = isinstance(seen, list) and len(seen) == 2 and all(type(v) is int for v in seen)
        if not valid or seen == [real.st_dev, real.st_ino]:
            kept.append(folder)
    return tuple(kept)


@dataclass(frozen=True)
class Protections:
    """What was in force for one child: the mechanisms, the measured facts, what is missing."""

    plan: Plan = field(default_factory=Plan)
    facts: Facts = field(default_factory=Facts)
    missing: tuple[tuple[str, str], ...] = ()  # (mechanism, why) for what the platform refused
    root: bool = False

    @property
    def files_confined(self) -> bool:
        return not self.facts.readable and not self.facts.writable

    @property
    def processes_contained(self) -> bool:
        """Everything it starts dies with it, and it cannot reach the grader's processes."""
        contained = self.plan.namespaces or self.plan.drop_uid or self.plan.cgroups
        # a user's grader is a subreaper: what escapes the child's session comes back to it
        return self.facts.signal_grader is not True and (contained or not self.root)

    def level(self) -> str:
        """The highest of ``LEVELS`` these protections reach."""
        if not self.files_confined:
            return "none"
        if self.facts.network or not self.processes_contained:
            return "files"
        return "full"

    def meets(self, required: str) -> bool:
        return LEVELS.index(self.level()) >= LEVELS.index(required)

    def mechanisms(self) -> list[str]:
        p = self.plan
        active = (p.namespaces, p.landlock, p.seccomp, p.cgroups, p.drop_uid)
        return [name for name, on in zip(MECHANISMS, active, strict=True) if on]

    def summary(self) -> dict[str, Any]:
        """Plain data for records, reports and ``cnn-backprop sandbox --json``."""
        return {
            "level": self.level(),
            "mechanisms": self.mechanisms(),
            "landlock_abi": self.plan.landlock,
            "missing": [list(m) for m in self.missing],
            "facts": {
                "readable": list(self.facts.readable),
                "writable": list(self.facts.writable),
                "network": self.facts.network,
                "signal_grader": self.facts.signal_grader,
                "uid": self.facts.uid,
            },
        }

    def describe(self) -> list[str]:
        """One line per protection, active or not, for the instructors' entry and reports."""
        p, f = self.plan, self.facts
        lines = [
            "separate child process (inputs in, plain data out; expected values never sent)",
            "limits: 1 GiB memory per process, CPU time, file size, open files, no core dumps; "
            "time-outs count the child's CPU time",
        ]
        if p.namespaces:
            how = "as root" if self.root else "through a user namespace"
            lines.append(
                f"namespaces ({how}): private root of system folders and the interpreter, "
                "private /tmp, no network, own IPC and PID space"
            )
        if p.landlock:
            extra = ", signals and abstract sockets scoped" if p.landlock >= 6 else ""
            where = "its private /tmp" if p.namespaces else "nowhere"
            lines.append(
                f"Landlock ABI {p.landlock}: reads limited to system folders and the "
                f"interpreter, writes to {where}{extra}"
            )
        elif not p.namespaces:
            lines.append(
                "writes: the world-writable folders (/tmp, /var/tmp, /dev/shm) are open to it; "
                "what it leaves there is removed, but their size is not bounded"
            )
        if p.seccomp:
            lines.append(
                "seccomp: no network sockets, keyrings, System V IPC, ptrace, io_uring, bpf, "
                "mounts or new namespaces"
            )
        if p.cgroups:
            lines.append(
                f"cgroup: {cgroups.MEMORY // 2**20} MiB and {cgroups.PROCESSES} processes in "
                "total, an equal CPU share"
            )
        elif self.root or p.namespaces:
            lines.append(f"processes: at most {EXTRA_PROCESSES} beyond the child")
        else:
            lines.append(
                f"processes: at most {EXTRA_PROCESSES} beyond the user's own; any that leave "
                "its session come back to the grader (a subreaper) and are killed"
            )
        if p.drop_uid:
            lines.append(
                f"runs as a fresh uid of its own ({f.uid}); all its processes, files and IPC "
                "objects removed at the end"
            )
        lines.append(
            "checked by the child before running any student code: "
            + (
                "the grader's files unreadable and its outputs unwritable"
                if self.files_confined
                else "FILES EXPOSED: " + ", ".join((*f.readable, *f.writable))
            )
            + ("; network UNREACHABLE" if not f.network else "; NETWORK REACHABLE")
            + {
                True: "; CAN SIGNAL THE GRADER",
                False: "; cannot signal the grader",
                None: "; the grader is not visible",
            }[f.signal_grader]
        )
        if not f.interpreter_readable:
            lines.append(
                "note: the sandbox uid cannot read the interpreter's folders (only modules "
                "imported before the uid drop are available)"
            )
        lines.append(f"isolation level reached: {self.level()}")
        return lines + [f"NOT ACTIVE: {m}: {why}" for m, why in self.missing]


# -- the plan -------------------------------------------------------------------------------

_refused: dict[str, str] = {}  # mechanism -> why, for this process
_plan: Plan | None = None


def _initial_plan() -> Plan:
    root = os.geteuid() == 0
    notes = {}
    abi = 0
    try:
        abi = landlock.abi_version()
        if not abi:
            notes["landlock"] = "the kernel has no Landlock (needs Linux 5.13+ with it enabled)"
    except OSError as exc:
        notes["landlock"] = str(exc)
    program_ok = True
    try:
        seccomp_program()
    except OSError as exc:
        program_ok = False
        notes["seccomp"] = str(exc)
    groups = ()
    if root:
        groups = cgroups.make(f"cnn-backprop-probe-{os.getpid()}")
        cgroups.remove(groups)
        if not groups:
            notes["cgroups"] = "this platform does not let the grader create cgroups"
    else:
        notes["cgroups"] = "the grader is not root (cannot create cgroups)"
        notes["uid"] = "the grader is not root (no uid to drop to)"
    for mechanism, why in notes.items():
        _refuse(mechanism, why)
    return Plan(
        namespaces=True,
        landlock=abi,
        seccomp=program_ok,
        cgroups=bool(groups),
        drop_uid=root,
    )


def current_plan() -> Plan:
    """The strongest plan not yet found to fail in this process."""
    global _plan
    if _plan is None:
        _plan = _initial_plan()
    return _plan


def refuse(mechanism: str, why: str) -> Plan:
    """``mechanism`` failed to come up: drop it from the plan, loudly; return the new plan."""
    global _plan
    plan = current_plan()
    _refuse(mechanism, why)
    _plan = plan.without(mechanism)
    return _plan


def _refuse(mechanism: str, why: str) -> None:
    if mechanism not in _refused:
        _refused[mechanism] = why
        _warn(f"{mechanism} not available: {why}")


def _warn(text: str) -> None:
    print(f"cnn-backprop: sandbox: {text}", file=sys.stderr, flush=True)


def missing() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_refused.items()))


def reset() -> None:
    """Forget what this process learnt (tests that change the platform between runs)."""
    global _plan
    _plan = None
    _refused.clear()


@functools.lru_cache(maxsize=1)
def seccomp_program() -> bytes:
    return seccomp.build_filter()


# -- starting the child ---------------------------------------------------------------------


@dataclass(frozen=True)
class Launch:
    """What the forked child needs to set itself up (computed in the parent)."""

    plan: Plan
    uid: int | None  # the sandbox's own uid (root), dropped to once the child has started
    groups: tuple[str, ...]
    hidden: tuple[str, ...]  # sensitive paths to cover inside the private root
    paths: list[str]  # what the child may read: system folders and the interpreter's
    scratch: str | None  # the working folder when there is no private root
    status_fd: int
    cpu_seconds: int


def child_preexec(launch: Launch) -> None:
    """Runs in the forked child before exec: each mechanism of the plan, or a reported failure.

    The failing mechanism and the reason go down the status pipe (Popen only learns that
    "an exception occurred"); the parent then retries without it.
    """
    step = "setup"
    try:
        plan = launch.plan
        if plan.cgroups:  # first: every later process is counted
            step = "cgroups"
            cgroups.join(launch.groups)
        if plan.namespaces:
            step = "namespaces"
            namespaces.unshare(user_namespace=os.geteuid() != 0)
            owner = launch.uid if os.geteuid() == 0 else None
            handles = namespaces.open_handles(launch.paths)
            namespaces.build_root(launch.paths, handles, launch.hidden, owner)
            namespaces.become_pid_namespace_init()
        step = "limits"
        _set_limits(launch)
        _libc().prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: Landlock and seccomp need it
        if plan.landlock:
            step = "landlock"
            landlock.restrict_self(_landlock_rules(launch), plan.landlock)
        if plan.seccomp:
            step = "seccomp"
            seccomp.install(seccomp_program())
    except BaseException as exc:
        mechanism = exc.mechanism if isinstance(exc, SetupError) else step
        detail = exc.detail if isinstance(exc, SetupError) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError):
            os.write(launch.status_fd, f"{mechanism}\t{detail}"[:2000].encode())
        raise


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _set_limits(launch: Launch) -> None:
    plan = launch.plan
    if plan.cgroups:
        processes = cgroups.PROCESSES
    elif os.geteuid() == 0 or plan.namespaces:
        processes = 1 + EXTRA_PROCESSES  # a uid (or user namespace) of its own
    else:  # NPROC counts all of the user's processes
        processes = _user_processes() + EXTRA_PROCESSES
    limits = {
        resource.RLIMIT_AS: MEMORY_BYTES,
        resource.RLIMIT_CPU: launch.cpu_seconds,
        resource.RLIMIT_FSIZE: OUTPUT_BYTES,
        resource.RLIMIT_NOFILE: OPEN_FILES,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: processes,
    }
    for limit, value in limits.items():
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        # an unraisable limit is better than no grading
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(limit, (value, value))


def _landlock_rules(launch: Launch) -> list[landlock.Rule]:
    everything = landlock.READ_EXEC | landlock.WRITE | landlock.IOCTL_DEV
    devices = [landlock.Rule("/dev/null", landlock.READ_FILE | landlock.WRITE_FILE)]
    devices += [
        landlock.Rule(f"/dev/{d}", landlock.READ_FILE) for d in ("zero", "urandom", "random")
    ]
    if launch.plan.namespaces:  # inside the private root: all of it is whitelisted already
        rules = [landlock.Rule("/", landlock.READ_EXEC), landlock.Rule("/proc", landlock.READ)]
        rules += [landlock.Rule(path, everything) for path, _ in namespaces.SCRATCH]
        return rules + devices
    rules = [landlock.Rule(path, landlock.READ_EXEC) for path in launch.paths]
    rules.append(landlock.Rule(f"/proc/{os.getpid()}", landlock.READ))  # itself only
    if launch.scratch:  # its working folder, read-only: without a private tmpfs, nothing
        rules.append(landlock.Rule(launch.scratch, landlock.READ))  # could bound what it wrote
    return rules + devices


def _user_processes() -> int:
    """How many processes (threads included) the current user runs: NPROC counts them all."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
    return count


def child_environment(workdir: str) -> dict[str, str]:
    """A minimal environment: no secrets, one BLAS thread (limits count threads)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": workdir,
        "TMPDIR": workdir,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # keep BLAS correct on this hardware
        if var in os.environ:
            env[var] = os.environ[var]
    return env


# -- what the child must not reach ----------------------------------------------------------


def sensitive_paths(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Everything the child must not see: the grader's package, reference, suites and secret,
    and the caller's extra paths (outputs, other submissions, Otter's folders)."""
    from .. import paths

    found = {str(paths.PACKAGE_DIR)}
    interpreter = namespaces.interpreter_paths()
    with contextlib.suppress(paths.ResourceError):
        for entry in paths.root().iterdir():  # the checkout or bundle, but a venv inside it
            real = os.path.realpath(entry)
            if not any(p == real or p.startswith(real + os.sep) for p in interpreter):
                found.add(str(entry))
    found.update(os.path.abspath(p) for p in extra)
    return tuple(sorted(found))


def self_check_targets(extra: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The paths the child tries to read and write before any student code runs."""
    from .. import paths

    read: list[str] = [str(paths.PACKAGE_DIR / "__init__.py")]
    write: list[str] = [str(paths.PACKAGE_DIR)]
    with contextlib.suppress(paths.ResourceError):
        root = paths.root()
        read += [str(root / "solutions" / "reference.py"), str(root / paths.SECRET_FILE)]
        read += [str(p) for p in sorted((root / "tests" / "hidden").glob("*.py"))[:1]]
        write.append(str(root))
    for path in extra:
        read.append(os.path.abspath(path))
        if os.path.isdir(path):
            write.append(os.path.abspath(path))
    # the interpreter's own packages: a .pth planted there would run in every later grader
    import sysconfig

    for key in ("purelib", "platlib"):
        with contextlib.suppress(KeyError):
            write.append(sysconfig.get_paths()[key])
    return {"read": sorted(set(read)), "write": sorted(set(write))}
