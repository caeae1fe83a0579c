"""The places graders run, reproduced on this machine, for tests that must hold on each.

A protection that works only where it was developed is not a protection, so the attack battery
and the sandbox tests run the real grader as each kind of user runs it:

=====================  ======================================================================
``root``               CI and servers: root with every namespace
``root-no-sys-admin``  a container without CAP_SYS_ADMIN (``capsh --drop=cap_sys_admin``):
                       no namespaces, so Landlock, seccomp and the uid drop must hold
``user-venv``          an instructor's laptop: an ordinary user (uid 65534 when the tests run
                       as root) with the project's own venv, from the checkout
``user-system-python`` the same user with a venv made by the system Python (``/usr/bin/python3
                       -m venv``), whose prefix is ``/usr``; the grader is a copy of this tree
``user-no-userns``     a laptop whose kernel refuses unprivileged user namespaces (Ubuntu 24.04's
                       default): Landlock, seccomp and the subreaper must hold
``gradescope``         the built zip's ``run_autograder`` path (``source/run_otter.py``, then
                       Otter's ``run_autograder.main``) on a laid-out ``/autograder``-style
                       folder, as root in a container without CAP_SYS_ADMIN
``otter-run``          ``otter run -a autograder.zip``, which calls Otter's ``main`` directly
=====================  ======================================================================

A platform this machine cannot reproduce is skipped with the reason (never a silent pass).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"
# installed into the system-Python venv: what grading needs (matplotlib only draws the handout)
GRADING_REQUIREMENTS = ("numpy>=1.24", "nbformat>=5.9", "otter-grader[grading]==7.0.0")
# per user: root's cache is not an ordinary user's to write in (nor the other way round)
CACHE = Path(
    os.environ.get("CNN_BACKPROP_TEST_CACHE", f"/var/tmp/cnn-backprop-tests-{os.geteuid()}")
)

# A seccomp filter like Docker's default one: argv[2] lists what is refused: "namespaces" (new
# namespaces, user namespaces included, as for an unprivileged process) and "landlock" (an
# older kernel).  Installed by this launcher, then the command is exec'd.
DENY = r"""
import ctypes, os, sys
sys.path.insert(0, sys.argv[1])
from cnn_backprop.sandbox import seccomp
ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)
arch = seccomp.machine()
what = sys.argv[2].split(",")
refuse = [seccomp.number("unshare", arch)] if "namespaces" in what else []
if "landlock" in what:
    refuse += [444, 445, 446]
ins, n = seccomp._ins, len(refuse)
program = [ins(seccomp.LD_W_ABS, seccomp.OFFSET_NR)]
program += [ins(seccomp.JEQ_K, nr, n - i + 2, 0) for i, nr in enumerate(refuse)]
program += [
    ins(seccomp.JEQ_K, seccomp.CLONE3, 3 if "namespaces" in what else 0, 0),
    ins(seccomp.JEQ_K, seccomp.CLONE[arch], 3 if "namespaces" in what else 0, 0),
    ins(seccomp.RET_K, seccomp.RET_ALLOW),
    ins(seccomp.RET_K, seccomp.RET_ERRNO | 1),  # EPERM
    ins(seccomp.RET_K, seccomp.RET_ERRNO | 38),  # ENOSYS: the C library falls back to clone
    ins(seccomp.LD_W_ABS, seccomp.OFFSET_ARG0),
    ins(seccomp.JSET_K, seccomp.CLONE_NEW_FLAGS, 0, 1),
    ins(seccomp.RET_K, seccomp.RET_ERRNO | 1),
    ins(seccomp.RET_K, seccomp.RET_ALLOW),
]
seccomp.install(b"".join(program))
os.execvp(sys.argv[3], sys.argv[3:])
"""


@dataclass(frozen=True)
class Platform:
    """How to run a grading command the way one kind of user runs it."""

    name: str
    kind: str  # "grade": grade_file in a process; "gradescope"; "otter-run"
    user: bool = False  # the grader runs as an ordinary user
    capsh: bool = False  # root without CAP_SYS_ADMIN
    no_userns: bool = False  # unprivileged user namespaces refused
    no_landlock: bool = False  # Landlock refused too (a kernel before 5.13, or disabled)
    system_python: bool = False
    env: dict[str, str] = field(default_factory=dict, compare=False)

    def skip_reason(self) -> str | None:
        return _skip_reason(self)

    def python(self) -> str:
        return str(system_venv() / "bin" / "python") if self.system_python else sys.executable

    def tree(self) -> Path:
        """The grader's files as this platform's user sees them."""
        return user_tree() if self.system_python else REPO

    def prefix(self) -> list[str]:
        """What runs the command: capsh, setpriv to an ordinary user, the namespace filter."""
        cmd: list[str] = []
        if self.user and os.geteuid() == 0:
            cmd += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        if self.no_userns or self.no_landlock:
            what = ",".join(
                n
                for n, on in (("namespaces", self.no_userns), ("landlock", self.no_landlock))
                if on
            )
            cmd += [sys.executable, "-c", DENY, str(REPO / "autograder"), what]
        if self.capsh:
            cmd = ["capsh", "--drop=cap_sys_admin", "--", "-c", 'exec "$@"', "capsh", *cmd]
        return cmd

    def environment(self, home: Path) -> dict[str, str]:
        env = {**os.environ, "HOME": str(home), **self.env}
        if self.user:  # root's secret file is not the ordinary user's to read
            env["CNN_BACKPROP_SECRET"] = secret()
        if self.system_python:  # the grader is a copy of this tree, not an installed package
            env["PYTHONPATH"] = str(user_tree() / "autograder")
        return env


PLATFORMS = [
    Platform("root", "grade"),
    Platform("root-no-sys-admin", "grade", capsh=True),
    Platform("user-venv", "grade", user=True),
    Platform("user-system-python", "grade", user=True, system_python=True),
    Platform("user-no-userns", "grade", user=True, no_userns=True),
    Platform("gradescope", "gradescope", capsh=True),
    Platform("otter-run", "otter-run"),
]
BY_NAME = {p.name: p for p in PLATFORMS}


def _skip_reason(platform: Platform) -> str | None:
    root = os.geteuid() == 0
    if platform.capsh and not root:  # Gradescope and containers run the grader as root
        return f"{platform.name} runs as root (the tests run as uid {os.geteuid()})"
    if platform.capsh and not shutil.which("capsh"):
        return "capsh (Debian's libcap2-bin) is not installed"
    if platform.user and root and not shutil.which("setpriv"):
        return "setpriv (util-linux) is not installed"
    if platform.system_python:
        why = _system_python_problem()
        if why:
            return why
    elif platform.user and root:
        why = _unreachable(sys.executable, REPO / "autograder" / "cnn_backprop" / "__init__.py")
        if why:
            return why
    return None


def _unreachable(*paths: str | Path) -> str | None:
    """Why uid 65534 cannot run this interpreter on this checkout (None if it can)."""
    for path in paths:
        result = subprocess.run(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                "test",
                "-r",
                str(path),
            ],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            return (
                f"uid {NOBODY} cannot read {path}: this checkout or its Python is private to "
                "root here (a user's own laptop has no such problem; .ci/run opens the folders)"
            )
    return None


@cache
def _system_python_problem() -> str | None:
    if not os.path.exists(SYSTEM_PYTHON):
        return f"{SYSTEM_PYTHON} does not exist on this machine"
    version = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import sys, venv; print(sys.version_info[:2] >= (3, 10))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if version.stdout.strip() != "True":
        return f"{SYSTEM_PYTHON} is older than 3.10 or has no venv module"
    try:
        system_venv()
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"could not make a venv with {SYSTEM_PYTHON}: {exc}"
    return None


@cache
def system_venv() -> Path:
    """A venv made by the system Python with what grading needs, cached between runs
    (world-readable, so the ordinary user can run it)."""
    key = hashlib.sha256(
        (
            subprocess.run([SYSTEM_PYTHON, "-VV"], capture_output=True, text=True).stdout
            + "\n".join(GRADING_REQUIREMENTS)
        ).encode()
    ).hexdigest()[:12]
    venv = CACHE / f"system-venv-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE, 0o755)
    with open(CACHE / f"system-venv-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time (pytest-xdist, two checkouts)
        if not (venv / "ready").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", *GRADING_REQUIREMENTS],
                check=True,
                capture_output=True,
            )
            (venv / "ready").touch()
    return venv


@cache
def secret() -> str:
    return "platform-test-secret"


@cache
def user_tree() -> Path:
    """A copy of the grader's files that an ordinary user can read (the checkout may not be)."""
    tree = Path(tempfile.mkdtemp(prefix="cnn-backprop-user-tree-"))
    os.chmod(tree, 0o755)
    shutil.copytree(
        REPO / "autograder" / "cnn_backprop",
        tree / "autograder" / "cnn_backprop",
        ignore=shutil.ignore_patterns("__pycache__", "_bundle"),
    )
    shutil.copytree(REPO / "solutions", tree / "solutions")
    shutil.copytree(REPO / "assignment", tree / "assignment")  # the class report reads it
    for part in ("public", "hidden"):
        shutil.copytree(
            REPO / "tests" / part,
            tree / "tests" / part,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    shutil.copy(REPO / "otter_config.json", tree / "otter_config.json")
    subprocess.run(["chmod", "-R", "a+rX", str(tree)], check=True)
    return tree


@cache
def autograder_zip() -> Path:
    """The built autograder zip (built once per session, with this checkout's package)."""
    from checkout import COURSE
    from cnn_backprop.build import build_autograder_zip

    folder = Path(tempfile.mkdtemp(prefix="cnn-backprop-zip-"))
    os.chmod(folder, 0o755)
    return build_autograder_zip(COURSE, folder / "autograder.zip")


def lay_out_autograder(
    folder: Path, upload: dict[str, bytes | str | Path], metadata: str = '{"id": 4242}'
) -> Path:
    """An ``/autograder``-style folder: the zip in ``source/``, the upload in ``submission/``.

    ``upload`` maps relative names to contents (a Path value makes a symbolic link to it).
    """
    for sub in ("source", "submission", "results"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(autograder_zip()) as zf:
        zf.extractall(folder / "source")
    (folder / "submission_metadata.json").write_text(metadata)
    for name, content in upload.items():
        target = folder / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            target.symlink_to(content)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return folder


def run_gradescope(folder: Path, platform: Platform, timeout: float = 300) -> dict:
    """Run the zip's entry point on ``folder`` as Gradescope would; its results.json."""
    import json

    script = (
        "import sys; sys.path.insert(0, sys.argv[1] + '/source');"
        "from cnn_backprop.gradescope import main; sys.exit(main(sys.argv[1]))"
    )
    subprocess.run(
        [*platform.prefix(), platform.python(), "-c", script, str(folder)],
        capture_output=True,
        timeout=timeout,
        check=False,
        cwd=str(folder),
        env=platform.environment(folder),
    )
    with contextlib.suppress(OSError, ValueError):
        return json.loads((folder / "results" / "results.json").read_text())
    return {}
