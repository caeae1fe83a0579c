"""Landlock: confine the child's file access to listed folders, without root or namespaces.

Landlock (Linux 5.13+) is an unprivileged, stackable LSM: a process that has set
``no_new_privs`` may restrict itself (and every process it later starts) to the file hierarchies
it lists, whatever its uid and capabilities.  Where a container refuses namespaces, it is what
keeps a submission away from the grader's files.  Newer ABIs add more: TCP bind/connect (v4),
and (v6) scoping of signals and abstract Unix sockets to the sandbox itself.

Only ``ctypes`` and the raw syscalls are used (their numbers are the same on x86-64 and arm64).
"""

from __future__ import annotations

import ctypes
import os
import stat
from dataclasses import dataclass

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

# access rights for files and folders, by the ABI that introduced them
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 16, 32, 64, 128
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 256, 512, 1024, 2048, 4096
REFER, TRUNCATE, IOCTL_DEV = 8192, 16384, 32768  # ABI 2, 3, 5
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2  # ABI 6

FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # allowed on a file rule
READ = READ_FILE | READ_DIR
READ_EXEC = READ | EXECUTE
WRITE = (
    WRITE_FILE
    | REMOVE_DIR
    | REMOVE_FILE
    | MAKE_DIR
    | MAKE_REG
    | MAKE_SYM
    | MAKE_FIFO
    | MAKE_SOCK
    | REFER
    | TRUNCATE
)


def _fs_rights(abi: int) -> int:
    rights = (MAKE_SYM << 1) - 1  # ABI 1: bits 0-12
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneath(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in linux/landlock.h
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


class LandlockError(OSError):
    """Landlock is missing, disabled, or refused a rule."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI (0: not available: old kernel, disabled, or filtered out)."""
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(int(version), 0)


@dataclass(frozen=True)
class Rule:
    """``path`` and everything beneath it gets ``access`` (files get the file rights only)."""

    path: str
    access: int


def restrict_self(rules: list[Rule], abi: int | None = None) -> int:
    """Confine this process (and its future children) to ``rules``; return the ABI used.

    Everything not listed is refused: reading, writing, executing; from ABI 4 any TCP
    bind/connect; from ABI 6 signals to, and abstract sockets of, processes outside the
    sandbox.  Paths that do not exist are skipped.  ``no_new_privs`` must already be set.
    """
    abi = abi_version() if abi is None else abi
    if abi < 1:
        raise LandlockError(os.strerror(ctypes.get_errno() or 38), "landlock_create_ruleset")
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    handled = _fs_rights(abi)
    attr = _RulesetAttr(
        handled,
        NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0,
    )
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        errno = ctypes.get_errno()
        raise LandlockError(errno, f"landlock_create_ruleset: {os.strerror(errno)}")
    try:
        for rule in rules:
            try:
                fd = os.open(rule.path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a folder this platform does not have
            try:
                access = rule.access & handled
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    access &= FILE_ONLY
                beneath = _PathBeneath(access, fd)
                if (
                    libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(beneath), 0)
                    != 0
                ):
                    errno = ctypes.get_errno()
                    raise LandlockError(
                        errno, f"landlock_add_rule {rule.path}: {os.strerror(errno)}"
                    )
            finally:
                os.close(fd)
        if libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
            errno = ctypes.get_errno()
            raise LandlockError(errno, f"landlock_restrict_self: {os.strerror(errno)}")
    finally:
        os.close(ruleset)
    return abi
