"""Hostile submissions against the real grader: each must be contained and scored zero.

Every attack in ``tests/attacks/`` is a real submission file (the correct ``loops.py`` with the
attack's code after it, or before it when the attack acts at import) graded by ``grade_file`` in
its own grading process, exactly as ``cnn-backprop grade`` would.  Whatever the attack does, the
secure outcome is the same:

* grading ends in bounded time, with status "graded" (the grader never crashes, and never blames
  itself for what the submission did);
* the attacked functions score 0 and the others keep full marks;
* the results are valid JSON (finite numbers, valid Unicode), of bounded size, and leak neither
  the seed secret nor the reference's text; the grader's memory stays bounded;
* nothing is left behind: no process with the attack's marker or the sandbox's uid, no file
  outside the sandbox's scratch directory, no grader temporary folder (the grading process gets
  its own TMPDIR), no cgroup, no System V IPC object.

An attack may also report a capability it should not have had by raising or printing
``BREACH[...]``; that text must never appear in the results.  To rule out vacuous passes, an
attack proves it ran by printing its marker: the grader shows the submission's printed output
in the instructors-only details of the results.

Protections missing today are marked ``xfail(strict=True)`` with the evidence in the reason: when
the grader is fixed the test XPASSes, and the mark must go.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cnn_backprop import QUESTIONS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ATTACKS_DIR = HERE / "attacks"
BASE = (HERE / "zoo" / "correct" / "loops.py").read_text()
PLACEHOLDER = "MARKER-PLACEHOLDER"
W, INPUT, POOL = QUESTIONS
EVERYTHING = QUESTIONS

MAX_PARENT_RSS_MIB = 768  # the grading process, whatever the child sends (Gradescope's default)
MAX_RESULTS_BYTES = 256 * 1024
NUL = b"\0"
GRADER_FAULTS = ("autograder itself failed", "grader could not run this case")


# ---------------------------------------------------------------------------- the attacks


@dataclass(frozen=True)
class Attack:
    """One hostile submission: ``tests/attacks/<name>.py`` combined with ``loops.py``."""

    name: str
    targets: tuple[str, ...]  # the functions that must score 0; the others must score 10
    before: bool = False  # the attack's code runs before the correct functions are defined
    limit: float = 30.0  # seconds grading may take; the grading process is killed after that
    xfail: str = ""  # the missing protection, when the attack succeeds today
    slow: bool = False  # minutes, not seconds: runs only with CNN_BACKPROP_SLOW_ATTACKS=1
    proof: str | None = ""  # printed after the marker when the attack ran; None: no proof
    inline: str | None = None  # source given here instead of in tests/attacks/

    @property
    def source(self) -> str:
        if self.inline is not None:
            return self.inline
        return (ATTACKS_DIR / f"{self.name}.py").read_text()

    def param(self) -> Any:
        marks = [pytest.mark.xfail(strict=True, reason=self.xfail)] if self.xfail else []
        if self.slow:
            marks.append(
                pytest.mark.skipif(
                    not os.environ.get("CNN_BACKPROP_SLOW_ATTACKS"),
                    reason="takes minutes; set CNN_BACKPROP_SLOW_ATTACKS=1 to run it",
                )
            )
        return pytest.param(self, id=self.name, marks=marks)


ATTACKS = [
    # exits and uncatchable exceptions
    Attack("sys_exit_at_import", EVERYTHING, before=True),
    Attack("os_exit_at_import", EVERYTHING, before=True),
    Attack("exits_in_functions", (W, INPUT)),
    Attack("os_exit_in_function", (W, INPUT)),
    # looking for the answers
    Attack("read_reference", EVERYTHING, proof=": searched ["),
    Attack("introspect_memory", EVERYTHING),
    Attack("monkeypatch_numpy", (W,)),
    Attack("lying_arrays", (INPUT, POOL)),
    Attack("nan_inf", (W, INPUT)),
    # time: one call spins past the 10 s call timeout; loading sleeps past the 30 s load timeout
    Attack("busy_loop", (POOL,), limit=60),
    Attack("hang_at_import", EVERYTHING, before=True, limit=90),
    # two functions hang on every call: each times out once, its other cases are skipped, and
    # the correct third function keeps its marks
    Attack("hang_everywhere", (W, INPUT), limit=90),
    # memory, processes, disk
    Attack("memory_bomb", (W,), proof=": stopped after"),
    Attack("memory_across_processes", (W,)),
    Attack("fork_bomb", (W,), proof=": started 40 processes"),
    Attack("setsid_escape", (W,), proof=": started the escapees"),
    Attack("stop_the_sweeper", (W,), proof=": started the stoppers"),
    Attack("sysv_ipc_leftover", (W,)),
    Attack("disk_fill", (W,)),
    Attack("deep_scratch_tree", (W,)),
    # the grader's outputs and channels
    Attack("forge_results", (W,)),
    Attack("flood_output", (W,)),
    Attack("hostile_messages", (W, INPUT)),
    Attack("capability_probe", (W,), proof=": probed"),
    Attack("protocol_garbage", (W,)),
    Attack("forged_load_report", EVERYTHING),
    Attack("deep_json_reply", (W,)),
    Attack("bloated_reply", (W,), proof=": sending a bloated reply of 16777152 bytes"),
    Attack("output_symlink", (POOL,), proof=None),  # its printed output is what it replaces
    Attack("output_fifo", (POOL,), limit=20, proof=None),
]


def test_every_attack_file_is_listed() -> None:
    files = {p.stem for p in ATTACKS_DIR.glob("*.py")}
    assert files == {a.name for a in ATTACKS}


# ---------------------------------------------------------------------------- running one

# The grading process: grade one file, report on stdout (a channel the sandbox cannot reach).
HARNESS = r"""
import json, resource, sys, time
from cnn_backprop.grader import grade_file
from cnn_backprop.sandbox import protections
uid = protections.sandbox_uid() if hasattr(protections, "sandbox_uid") else None
print("SANDBOX-UID", json.dumps(uid), flush=True)
started = time.monotonic()
outcome = grade_file(sys.argv[1])
report = {
    "status": outcome.status,
    "scores": outcome.scores,
    "seconds": time.monotonic() - started,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "json_error": None,
}
try:
    json.dumps(outcome.results, allow_nan=False)
except (TypeError, ValueError) as exc:
    report["json_error"] = repr(exc)
report["results"] = json.loads(json.dumps(outcome.results, default=repr))
print("OUTCOME " + json.dumps(report), flush=True)
"""


@dataclass
class Run:
    marker: str
    seconds: float
    timed_out: bool
    outcome: dict[str, Any] | None
    stderr: str
    leftover_processes: list[str]
    stray_files: list[str]
    leftover_scratch: list[str]
    leftover_cgroups: list[str]
    leftover_ipc: list[str]

    @property
    def results_text(self) -> str:
        return json.dumps(self.outcome["results"]) if self.outcome else ""


def _processes() -> list[tuple[int, int, int, bytes]]:
    """(pid, ppid, real uid, command line) of every live process (zombies are not running)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry.name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if fields["State"].split()[0] == "Z":
                continue
            found.append(
                (int(entry.name), int(fields["PPid"]), int(fields["Uid"].split()[0]), cmdline)
            )
        except (OSError, KeyError, ValueError):
            continue
    return found


def _descendants(root: int) -> set[int]:
    procs = _processes()
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid, _, _ in procs if ppid in frontier} - found
        found |= frontier
    return found


def _ipc_objects() -> list[tuple[str, int, int, int]]:
    """(kind, key, id, owner uid) of every System V IPC object."""
    found = []
    for kind, uid_column in (("shm", 7), ("msg", 7), ("sem", 4)):
        with contextlib.suppress(OSError):
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
            for line in lines:
                cols = line.split()
                found.append((kind, int(cols[0]), int(cols[1]), int(cols[uid_column])))
    return found


def _remove_ipc(kind: str, ident: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    ipc_rmid = 0
    if kind == "shm":
        libc.shmctl(ident, ipc_rmid, None)
    elif kind == "msg":
        libc.msgctl(ident, ipc_rmid, None)
    else:
        libc.semctl(ident, 0, ipc_rmid)


def _places(workdir: Path) -> list[Path]:
    """Where an attack tries to write, outside the sandbox's scratch directory."""
    return [
        Path("/tmp"),
        Path("/var/tmp"),
        Path("/dev/shm"),
        workdir,
        workdir / "results",
        REPO,
        REPO / "tests",
        ATTACKS_DIR,
        Path.cwd(),
        Path("/autograder"),
        Path("/autograder/results"),
        Path("/work"),
    ]


def run_attack(attack: Attack, tmp_path: Path) -> Run:
    """Grade the attack in a fresh grading process; collect (and clean up) what it left."""
    marker = f"cnnbp-{attack.name}-{uuid.uuid4().hex[:10]}"
    source = attack.source.replace(PLACEHOLDER, marker)
    combined = f"{source}\n\n{BASE}" if attack.before else f"{BASE}\n\n{source}"
    submission = tmp_path / f"{attack.name}.py"
    submission.write_text(combined)
    # the grader's working directory: world-writable, so only isolation keeps the sandbox out
    workdir = Path(tempfile.mkdtemp(prefix="cnnbp-attack-cwd-"))
    workdir.chmod(0o1777)
    # the grader's own temporary folders (scratch, captured output) go here, to be checked
    gradertmp = Path(tempfile.mkdtemp(prefix="cnnbp-attack-tmp-"))
    gradertmp.chmod(0o755)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(submission), str(workdir)],
        cwd=workdir,
        env={**os.environ, "TMPDIR": str(gradertmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=attack.limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        stuck = _descendants(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in stuck:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=30)
    seconds = time.monotonic() - started

    outcome, uid = None, None
    for line in stdout.splitlines():
        if line.startswith("SANDBOX-UID "):
            uid = json.loads(line.split(" ", 1)[1])
        elif line.startswith("OUTCOME "):
            outcome = json.loads(line.split(" ", 1)[1])

    time.sleep(0.5)  # let a late fork show itself
    leftovers = [
        (pid, f"pid {pid} uid {puid}: {cmd.replace(NUL, b' ')[:150]!r}")
        for pid, _, puid, cmd in _processes()
        if marker.encode() in cmd or (uid is not None and puid == uid)
    ]
    for pid, _ in leftovers:  # these are the attack's: end them, by pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    scratch = [str(p) for p in gradertmp.iterdir()]
    scratch += [
        str(p)
        for p in Path("/tmp").glob("cnn-backprop-child-*")
        if uid is not None and _owner(p) == uid
    ]
    stray = []
    for place in _places(workdir):
        with contextlib.suppress(OSError):
            for entry in place.iterdir():
                if str(entry) in scratch:
                    continue
                owned = uid is not None and entry.lstat().st_uid == uid
                forged = entry.name == "results.json" and marker in _head(entry)
                if marker in entry.name or owned or forged:
                    stray.append(str(entry))
    for path in stray + scratch:
        subprocess.run(["rm", "-rf", path], check=False)  # rm copes with very deep trees
    subprocess.run(["rm", "-rf", str(workdir), str(gradertmp)], check=False)

    cgroups = _cgroups(uid) if uid is not None else []
    for group in cgroups:  # left by a grader that was killed: empty them, then remove them
        with contextlib.suppress(OSError):
            for pid in Path(group, "cgroup.procs").read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.1)
        with contextlib.suppress(OSError):
            os.rmdir(group)

    key = zlib.crc32(marker.encode()) & 0x7FFFFFFF
    ipc = [obj for obj in _ipc_objects() if obj[1] == key or (uid is not None and obj[3] == uid)]
    for kind, _, ident, _ in ipc:
        _remove_ipc(kind, ident)

    return Run(
        marker=marker,
        seconds=seconds,
        timed_out=timed_out,
        outcome=outcome,
        stderr=stderr,
        leftover_processes=[text for _, text in leftovers],
        stray_files=stray,
        leftover_scratch=scratch,
        leftover_cgroups=cgroups,
        leftover_ipc=[f"{kind} key {k:#x} id {i} uid {u}" for kind, k, i, u in ipc],
    )


def _cgroups(uid: int) -> list[str]:
    """The sandbox's cgroups, if the grader made any (named after the sandbox uid)."""
    root = Path("/sys/fs/cgroup")
    pattern = f"cnn-backprop*{uid}"
    return sorted(str(p) for p in [*root.glob(pattern), *root.glob(f"*/{pattern}")] if p.is_dir())


def _head(path: Path) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read(4096)
    except OSError:
        return ""


def _owner(path: Path) -> int | None:
    try:
        return path.lstat().st_uid
    except OSError:
        return None


def _secret() -> str | None:
    with contextlib.suppress(OSError):
        text = (REPO / ".cnn-backprop-secret").read_text().strip()
        return text or None
    return None


REFERENCE_LINE = (REPO / "solutions" / "reference.py").read_text().splitlines()[0]


# ---------------------------------------------------------------------------- the checks


def assert_contained(attack: Attack, run: Run) -> None:
    """Every property of a secure outcome, in order of importance."""
    where = f"[{attack.name}, marker {run.marker}]"
    assert not run.timed_out, f"{where} grading did not finish within {attack.limit:.0f} s"
    assert run.outcome is not None, f"{where} the grading process crashed:\n{run.stderr[-3000:]}"
    out = run.outcome
    text = run.results_text
    assert out["status"] == "graded", f"{where} status {out['status']}: {text[:3000]}"
    if attack.proof is not None:  # the attack really ran (not a vacuous pass)
        proof = run.marker + attack.proof
        assert proof in text, f"{where} the attack left no proof it ran ({proof!r}): {text[:2000]}"
    for fault in GRADER_FAULTS:
        assert fault not in text, f"{where} the grader blamed itself ({fault!r}): {text[:3000]}"

    scores = out["scores"]
    for q in QUESTIONS:
        expected = 0 if q in attack.targets else 10
        assert scores.get(q, 0) == expected, f"{where} {q} scored {scores.get(q)}: {text[:3000]}"

    assert "BREACH[" not in text, f"{where} the attack reported a breach: {text[:3000]}"
    secret = _secret()
    assert secret is None or secret not in text, f"{where} the seed secret is in the results"
    assert REFERENCE_LINE not in text, f"{where} the reference's text is in the results"

    assert out["json_error"] is None, f"{where} results are not valid JSON: {out['json_error']}"
    try:
        json.dumps(out["results"], ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        pytest.fail(f"{where} results are not valid Unicode: {exc}")
    assert len(text) < MAX_RESULTS_BYTES, f"{where} results are {len(text)} bytes"
    rss = out["peak_rss_mib"]
    assert rss < MAX_PARENT_RSS_MIB, f"{where} the grading process grew to {rss:.0f} MiB"

    assert not run.leftover_processes, (
        f"{where} processes outlived grading: {run.leftover_processes}"
    )
    assert not run.stray_files, f"{where} files written outside the scratch dir: {run.stray_files}"
    assert not run.leftover_scratch, f"{where} grader temp dirs left: {run.leftover_scratch}"
    assert not run.leftover_cgroups, f"{where} cgroups left behind: {run.leftover_cgroups}"
    assert not run.leftover_ipc, f"{where} System V IPC objects left behind: {run.leftover_ipc}"
    assert run.seconds < 120, f"{where} took {run.seconds:.0f} s"


@pytest.mark.parametrize("attack", [a.param() for a in ATTACKS])
def test_attack_is_contained(attack: Attack, tmp_path: Path) -> None:
    run = run_attack(attack, tmp_path)
    print(f"{attack.name}: {run.seconds:.1f} s, scores {run.outcome and run.outcome['scores']}")
    assert_contained(attack, run)


def test_harness_control_correct_submission(tmp_path: Path) -> None:
    """The harness itself: a harmless 'attack' keeps full marks and leaves nothing behind."""
    control = Attack("control", (), proof=None, inline="# nothing hostile here\n")
    assert_contained(control, run_attack(control, tmp_path))
