"""A seccomp filter for the child: the system calls a NumPy submission never needs, refused.

Namespaces give the child no network and a private IPC space; where a container refuses them,
this filter is what is left, and it also closes doors namespaces leave open:

* the network: ``socket`` for anything but Unix sockets;
* state that outlives the sandbox: kernel keyrings (``keyctl``, ``add_key``, ``request_key``:
  the per-uid keyring survives the process) and System V IPC;
* other processes: ``ptrace``, ``process_vm_*``, ``kcmp``, ``pidfd_getfd``;
* kernel attack surface no grading needs: ``io_uring``, ``bpf``, ``perf_event_open``,
  ``userfaultfd``, new namespaces, mounts, file handles, module and kexec loading.

``clone3`` answers ENOSYS (its flags sit in memory a filter cannot read), so the C library falls
back to ``clone``, whose namespace flags are checked.  The filter is a classic BPF program built
here from tables per architecture (x86-64, arm64); elsewhere it is reported as unavailable.
No dependency: the program is packed with ``struct`` and installed with ``prctl``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
RET_ALLOW, RET_ERRNO, RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data (arg0's low word)
AF_UNIX = 1
X32_BIT = 0x40000000
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET, and NEWTIME
CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
CLONE_NEW_FLAGS |= 0x40000000 | 0x00000080

# Refused with EPERM: (name, x86-64 number, arm64 number); None where the call does not exist.
DENIED: tuple[tuple[str, int | None, int | None], ...] = (
    ("ptrace", 101, 117),
    ("process_vm_readv", 310, 270),
    ("process_vm_writev", 311, 271),
    ("kcmp", 312, 272),
    ("pidfd_getfd", 438, 438),
    ("process_madvise", 440, 440),
    ("keyctl", 250, 219),
    ("add_key", 248, 217),
    ("request_key", 249, 218),
    ("io_uring_setup", 425, 425),
    ("io_uring_enter", 426, 426),
    ("io_uring_register", 427, 427),
    ("bpf", 321, 280),
    ("perf_event_open", 298, 241),
    ("userfaultfd", 323, 282),
    ("unshare", 272, 97),
    ("setns", 308, 268),
    ("mount", 165, 40),
    ("umount2", 166, 39),
    ("pivot_root", 155, 41),
    ("chroot", 161, 51),
    ("open_tree", 428, 428),
    ("move_mount", 429, 429),
    ("fsopen", 430, 430),
    ("fsconfig", 431, 431),
    ("fsmount", 432, 432),
    ("fspick", 433, 433),
    ("mount_setattr", 442, 442),
    ("name_to_handle_at", 303, 264),
    ("open_by_handle_at", 304, 265),
    ("kexec_load", 246, 104),
    ("kexec_file_load", 320, 294),
    ("init_module", 175, 105),
    ("finit_module", 313, 273),
    ("delete_module", 176, 106),
    ("shmget", 29, 194),
    ("shmat", 30, 196),
    ("shmctl", 31, 195),
    ("shmdt", 67, 197),
    ("semget", 64, 190),
    ("semop", 65, 193),
    ("semctl", 66, 191),
    ("semtimedop", 220, 192),
    ("msgget", 68, 186),
    ("msgsnd", 69, 189),
    ("msgrcv", 70, 188),
    ("msgctl", 71, 187),
)
SOCKET = {"x86_64": 41, "aarch64": 198}
CLONE = {"x86_64": 56, "aarch64": 220}
CLONE3 = 435
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}


def number(name: str, arch: str | None = None) -> int:
    """The system call number of ``name`` (one of ``DENIED``) on ``arch``."""
    column = 1 if (arch or machine()) == "x86_64" else 2
    for entry in DENIED:
        if entry[0] == name and entry[column] is not None:
            return int(entry[column])  # type: ignore[arg-type]
    raise KeyError(name)


class SeccompError(OSError):
    """The filter could not be built for this machine or installed."""


def machine() -> str:
    name = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(name, name)


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def build_filter(arch: str | None = None) -> bytes:
    """The BPF program (packed ``sock_filter`` entries) for ``arch`` (default: this machine)."""
    arch = arch or machine()
    if arch not in AUDIT_ARCH:
        raise SeccompError(errno.ENOTSUP, f"no seccomp table for {arch}")
    column = 1 if arch == "x86_64" else 2
    denied = sorted({entry[column] for entry in DENIED if entry[column] is not None})
    eperm = RET_ERRNO | errno.EPERM
    body: list[bytes] = [
        _ins(LD_W_ABS, OFFSET_ARCH),
        _ins(JEQ_K, AUDIT_ARCH[arch], 1, 0),
        _ins(RET_K, RET_KILL_PROCESS),  # another ABI (e.g. 32-bit calls): never expected
        _ins(LD_W_ABS, OFFSET_NR),
    ]
    checks: list[tuple[int, str]] = []
    if arch == "x86_64":
        checks.append((X32_BIT, "deny"))  # the x32 ABI: same numbers with this bit set
    checks += [(CLONE3, "enosys"), (SOCKET[arch], "socket"), (CLONE[arch], "clone")]
    checks += [(nr, "deny") for nr in denied]
    tail = [
        _ins(RET_K, RET_ALLOW),  # 0: allow
        _ins(RET_K, eperm),  # 1: deny
        _ins(RET_K, RET_ERRNO | errno.ENOSYS),  # 2: enosys
        _ins(LD_W_ABS, OFFSET_ARG0),  # 3: socket(domain, ...): Unix sockets only
        _ins(JEQ_K, AF_UNIX, 0, 1),
        _ins(RET_K, RET_ALLOW),
        _ins(RET_K, RET_ERRNO | errno.EACCES),
        _ins(LD_W_ABS, OFFSET_ARG0),  # 7: clone(flags, ...): no new namespaces
        _ins(JSET_K, CLONE_NEW_FLAGS, 0, 1),
        _ins(RET_K, eperm),
        _ins(RET_K, RET_ALLOW),
    ]
    where = {"allow": 0, "deny": 1, "enosys": 2, "socket": 3, "clone": 7}
    n = len(checks)
    for i, (nr, target) in enumerate(checks):
        skip = n - 1 - i + where[target]  # instructions jumped over to reach the target
        if skip > 255:
            raise SeccompError(errno.E2BIG, "seccomp filter too long for BPF jumps")
        opcode = JGE_K if (arch == "x86_64" and nr == X32_BIT) else JEQ_K
        body.append(_ins(opcode, nr, skip, 0))
    return b"".join(body + tail)


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def install(program: bytes) -> None:
    """Install ``program`` on this thread (``no_new_privs`` must be set); it survives exec."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        code = ctypes.get_errno()
        raise SeccompError(code, f"prctl(PR_SET_SECCOMP): {os.strerror(code)}")
