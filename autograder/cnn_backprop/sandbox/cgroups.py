"""Cgroups for one sandbox: memory, processes and a fair CPU share for everything it starts.

Per-process limits cannot bound a submission that forks: a cgroup caps the total memory and
process count, gives each sandbox the same CPU weight however many processes it runs (so a
busy submission cannot starve the one graded beside it), and accounts the CPU time of all of
its processes.  Only where the grader may create cgroups (root with a writable cgroupfs).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

MEMORY = 1536 * 1024 * 1024  # all the child's processes together
PROCESSES = 64
CPU_WEIGHT = 100  # the same for every sandbox: a fair share each, whatever it starts
V2_ROOT = "/sys/fs/cgroup"
V1 = (
    ("memory", {"memory.limit_in_bytes": MEMORY}),
    ("pids", {"pids.max": PROCESSES}),
    ("cpu", {"cpu.shares": 1024}),  # the same for every sandbox
    ("cpuacct", {}),  # CPU time of all its processes
)


def _own_paths() -> dict[str, str]:
    """This process's cgroup per controller ("" for v2): sandboxes nest below it, so the
    limits of whatever runs the grader (a container, a CI job) still apply to them."""
    found: dict[str, str] = {}
    with contextlib.suppress(OSError), open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                found[controller] = path
    return found


def make(name: str) -> tuple[str, ...]:
    """Create this sandbox's cgroups (one v2 group, or v1 groups per controller); () if the
    platform does not let the grader."""
    own = _own_paths()
    if os.path.exists(os.path.join(V2_ROOT, "cgroup.controllers")):
        # nested below our own group if it may have children with controllers, else at the top
        for parent in (os.path.join(V2_ROOT, own.get("", "/").lstrip("/")), V2_ROOT):
            made = _make_v2(parent, name)
            if made:
                return made
        return ()
    made: list[str] = []
    try:
        for controller, settings in V1:
            base = os.path.join(V2_ROOT, controller)
            if not os.path.isdir(base):
                base = next((os.path.join(V2_ROOT, d) for d in _combined(controller)), "")
                if not base:
                    continue
            nested = os.path.join(base, own.get(controller, "/").lstrip("/"))
            group = os.path.join(nested if os.path.isdir(nested) else base, name)
            os.makedirs(group, exist_ok=True)
            made.append(group)
            _write(group, settings)
    except OSError:
        remove(tuple(made))
        return ()
    return tuple(made)


def _combined(controller: str) -> list[str]:
    """v1 hierarchies that mount several controllers together (e.g. "cpu,cpuacct")."""
    with contextlib.suppress(OSError):
        return [d for d in os.listdir(V2_ROOT) if controller in d.split(",") and "," in d]
    return []


def _make_v2(parent: str, name: str) -> tuple[str, ...]:
    group = os.path.join(parent, name)
    try:
        with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
            f.write("+memory +pids")
        with (
            contextlib.suppress(OSError),
            open(os.path.join(parent, "cgroup.subtree_control"), "w") as f,
        ):
            f.write("+cpu")  # a fair CPU share where the controller is available
        os.makedirs(group, exist_ok=True)
        _write(group, {"memory.max": MEMORY, "pids.max": PROCESSES})
        with contextlib.suppress(OSError):
            _write(group, {"cpu.weight": CPU_WEIGHT})
    except OSError:
        remove((group,) if os.path.isdir(group) else ())
        return ()
    return (group,)


def _write(group: str, settings: dict[str, int]) -> None:
    for key, value in settings.items():
        with open(os.path.join(group, key), "w") as f:
            f.write(str(value))


def join(groups: tuple[str, ...]) -> None:
    """Move the calling process into ``groups`` (in the child, before anything else)."""
    for group in groups:
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))


def cpu_seconds(groups: tuple[str, ...]) -> float | None:
    """CPU time used by every process of the sandbox so far; None if not accounted."""
    for group in groups:
        with contextlib.suppress(OSError, ValueError):
            if os.path.exists(os.path.join(group, "cpuacct.usage")):  # v1
                with open(os.path.join(group, "cpuacct.usage")) as f:
                    return int(f.read()) / 1e9
            if os.path.exists(os.path.join(group, "cpu.stat")) and "cpuacct" not in group:
                with open(os.path.join(group, "cpu.stat")) as f:
                    for line in f:
                        key, _, value = line.partition(" ")
                        if key == "usage_usec":  # v2
                            return int(value) / 1e6
    return None


def kill_all(groups: tuple[str, ...]) -> None:
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


def remove(groups: tuple[str, ...]) -> None:
    kill_all(groups)
    for group in groups:
        for _ in range(50):  # rmdir fails while the kernel still reaps the last process
            try:
                os.rmdir(group)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)
