"""Who the child runs as, and how everything it leaves behind is found and removed.

As root, every sandbox (so every submission) runs as a uid of its own, drawn at random from a
range no account, no subordinate-uid range and no running process uses, so that:

* killing "every process of that uid" can only ever hit the submission's own processes;
* nothing the kernel keeps per uid (keyrings, process counts) carries over to the next
  submission (the seccomp filter also refuses keyrings outright);
* files, IPC objects and processes it leaves anywhere can be told apart and removed.

Without root there is no uid to give: the grader becomes a child subreaper, so processes that
escape the child's session are re-parented to the grader and can be found and killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import random
import shutil
import signal
import subprocess
import time

# 2**31 - 2**24 .. 2**31 - 2**16: far above login and system accounts, and above the ranges
# that /etc/subuid hands out by default (from 100000 in steps of 65536)
UID_LOW, UID_HIGH = 2**31 - 2**24, 2**31 - 2**16
PR_SET_CHILD_SUBREAPER = 36
LITTER_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # world-writable: where an escaped write lands


def _subordinate_ranges() -> list[tuple[int, int]]:
    ranges = []
    for name in ("/etc/subuid", "/etc/subgid"):
        with contextlib.suppress(OSError), open(name) as f:
            for line in f:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    ranges.append((int(parts[1]), int(parts[1]) + int(parts[2])))
    return ranges


def _running_uids() -> set[int]:
    uids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                uids.add(os.stat(f"/proc/{entry}").st_uid)
    return uids


def fresh_uid(low: int = UID_LOW, high: int = UID_HIGH) -> int:
    """A uid (also used as gid) in [low, high) that nothing on this machine uses: no account,
    no subordinate range, no running process.  Drawn at random, so two grading processes
    (batch workers) practically never draw the same one."""
    taken = _subordinate_ranges()
    running = _running_uids()
    rng = random.SystemRandom()
    for uid in rng.sample(range(low, high), min(high - low, 1000)):
        if uid in running or any(start <= uid < end for start, end in taken):
            continue
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    raise RuntimeError("no free uid found for the sandbox")


def become_subreaper() -> bool:
    """Orphans of our children come to us, not to init: they can then be found and killed."""
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def kill_uid(uid: int) -> None:
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


def kill_orphans(keep: set[int]) -> int:
    """Kill our child processes other than ``keep``, and their descendants: escapees that we,
    as a subreaper, inherited.  Orphans arrive as their parents die, so scan until two scans
    in a row find none.  Returns how many were killed."""
    me, killed, quiet = os.getpid(), 0, 0
    for _ in range(50):
        found = [pid for pid in children_of(me) if pid not in keep]
        if not found:
            quiet += 1
            if quiet >= 2:
                return killed
            time.sleep(0.01)
            continue
        quiet = 0
        for pid in found:
            for victim in (pid, *descendants(pid)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(victim, signal.SIGKILL)
                    killed += 1
        for pid in found:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)
    return killed


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
    return found


def descendants(pid: int) -> list[int]:
    out, frontier = [], [pid]
    while frontier and len(out) < 10_000:
        frontier = [c for p in frontier for c in children_of(p)]
        out += frontier
    return out


def main_process_cpu(pid: int) -> float | None:
    """CPU seconds of ``pid`` (its threads and the children it has waited for)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    # after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
    return sum(int(v) for v in fields[11:15]) / ticks


def remove_litter(uid: int) -> list[str]:
    """Remove what ``uid`` left in the world-writable folders; return what was removed."""
    removed = []
    for folder in LITTER_DIRS:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    removed.append(entry.path)
                    if entry.is_dir(follow_symlinks=False):
                        remove_tree(entry.path)
                    else:
                        os.unlink(entry.path)
    return removed


def remove_ipc(uid: int) -> int:
    """Remove System V IPC objects owned by ``uid`` (where no IPC namespace held them)."""
    libc = ctypes.CDLL(None, use_errno=True)
    removed = 0
    for kind, uid_column in (("shm", 7), ("msg", 7), ("sem", 4)):
        with contextlib.suppress(OSError), open(f"/proc/sysvipc/{kind}") as f:
            for line in f.read().splitlines()[1:]:
                cols = line.split()
                if len(cols) <= uid_column or int(cols[uid_column]) != uid:
                    continue
                ident = int(cols[1])
                if kind == "shm":
                    libc.shmctl(ident, 0, None)
                elif kind == "msg":
                    libc.msgctl(ident, 0, None)
                else:
                    libc.semctl(ident, 0, 0)
                removed += 1
    return removed


def remove_tree(path: str) -> None:
    """Remove a folder the child wrote; rm(1) copes with trees too deep for shutil.rmtree."""
    try:
        shutil.rmtree(path)
    except (OSError, RecursionError):
        subprocess.run(["rm", "-rf", "--one-file-system", path], check=False, timeout=120)
