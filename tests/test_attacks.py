"""Hostile submissions against the real grader, on every platform it runs on.

Every attack in ``tests/attacks/`` is a real submission file (the correct ``loops.py`` with the
attack's code after it, or before it when the attack acts at import; a few attacks are whole
files: notebooks and zips built here) graded in its own grading process, exactly as a user runs
the grader on each platform of ``platforms.py``: ``grade_file`` as root, as root without
CAP_SYS_ADMIN, as an ordinary user with the project's venv, with the system Python and without
user namespaces; and through the built zip on Gradescope's path and with ``otter run``.
Whatever the attack does, the secure outcome is the same:

* grading ends in bounded time, with the expected status (the grader never crashes, and never
  blames itself for what the submission did);
* the attacked functions score 0 (or, for an attack that answers partly right, less than full
  marks) and the others keep full marks;
* the results are valid JSON (finite numbers, valid Unicode), of bounded size, and leak neither
  the seed secret nor the reference's text; the grader's memory stays bounded;
* nothing is left behind: no process with the attack's marker or the sandbox's uid, no file
  outside the sandbox's scratch directory, no grader temporary folder (the grading process gets
  its own TMPDIR), no cgroup, no System V IPC object, nothing planted in site-packages.

An attack may also report a capability it should not have had by raising or printing
``BREACH[...]``; that text must never appear in the results.  To rule out vacuous passes, an
attack proves it ran by printing its marker: the grader shows the submission's printed output
in the instructors-only details of the results.

The runs go side by side (most of them wait on time-outs), started when the first test of the
battery asks for its result.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import queue
import re
import signal
import struct
import subprocess
import sysconfig
import tempfile
import threading
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from checkout import POINTS, QUESTIONS
from platforms import PLATFORMS, Platform, autograder_zip

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
SIDE_BY_SIDE = 12  # grading processes at once: most attacks wait on time-outs, not the CPU


# ---------------------------------------------------------------------------- the attacks


def _notebook(*cells: str) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    return nbformat.writes(nb).encode()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _patched_zip(patch: Callable[[bytearray], None], marker: str) -> bytes:
    data = bytearray(_zip({"hw.ipynb": _notebook(BASE, f"print({marker!r})")}, zipfile.ZIP_STORED))
    patch(data)
    return bytes(data)


def _flip_a_byte(data: bytearray) -> None:  # the member's CRC no longer matches
    data[data.find(b'"cells"') + 2] ^= 1


def _unknown_method(data: bytearray) -> None:
    data[8:10] = struct.pack("<H", 99)
    central = data.find(b"PK\x01\x02")
    data[central + 10 : central + 12] = struct.pack("<H", 99)


def _encrypted(data: bytearray) -> None:
    data[6] |= 1
    data[data.find(b"PK\x01\x02") + 8] |= 1


def _non_utf8_name(data: bytearray) -> None:
    data[7] |= 0x08  # the UTF-8 flag, on a name that is not UTF-8
    central = data.find(b"PK\x01\x02")
    data[central + 9] |= 0x08
    for start in (30, central + 46):
        data[start : start + 2] = b"\xff\xfe"


FILES: dict[str, Callable[[str], tuple[str, bytes]]] = {
    # a 100 KB zip holding a notebook of 99 MB: refused before anything grows
    "huge_notebook_zip": lambda m: (
        "huge.zip",
        _zip({"hw.ipynb": _notebook(BASE, f"print({m!r})", "blob = '" + "a" * 99_000_000 + "'")}),
    ),
    "deep_notebook": lambda m: (
        "deep.ipynb",
        b'{"cells": ' + b"[" * 200_000 + b"]" * 200_000 + b', "marker": "' + m.encode() + b'"}',
    ),
    # cells Python cannot compile: each fails alone, the rest is graded
    "odd_cells": lambda m: (
        "odd.ipynb",
        _notebook(BASE, f"print({m!r})", "y = " + "-" * 100_000 + "1", "z = a" + ".b" * 100_000),
    ),
    "bad_crc_zip": lambda m: ("crc.zip", _patched_zip(_flip_a_byte, m)),
    "unknown_method_zip": lambda m: ("method.zip", _patched_zip(_unknown_method, m)),
    "encrypted_zip": lambda m: ("secret.zip", _patched_zip(_encrypted, m)),
    "non_utf8_name_zip": lambda m: ("names.zip", _patched_zip(_non_utf8_name, m)),
}


@dataclass(frozen=True)
class Attack:
    """One hostile submission: ``tests/attacks/<name>.py`` combined with ``loops.py``, or a
    whole file built by ``FILES[name]``."""

    name: str
    targets: tuple[str, ...]  # the functions that must score 0; the others must score 10
    before: bool = False  # the attack's code runs before the correct functions are defined
    limit: float = 180.0  # seconds grading may take; the grading process is killed after that
    proof: str | None = ""  # printed after the marker when the attack ran; None: no proof
    partial: bool = False  # the targets answer partly right: less than full marks, not zero
    status: str = "graded"
    says: str = ""  # a pattern the results must contain (the student's reason)
    otter_reads_it: bool = False  # `otter run` itself unpacks and reads the file first
    inline: str | None = None  # source given here instead of in tests/attacks/

    def submission(self, marker: str) -> tuple[str, bytes]:
        if self.name in FILES:
            return FILES[self.name](marker)
        source = (
            self.inline
            if self.inline is not None
            else (ATTACKS_DIR / f"{self.name}.py").read_text()
        )
        source = source.replace(PLACEHOLDER, marker)
        combined = f"{source}\n\n{BASE}" if self.before else f"{BASE}\n\n{source}"
        return f"{self.name}.py", combined.encode()


UNREADABLE = {"status": "unreadable", "targets": EVERYTHING, "proof": None}
OTTER_CHOKES = {**UNREADABLE, "otter_reads_it": True}
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
    Attack("timing_oracle", (POOL,), partial=True, proof=": timed"),
    # time: one call spins past the 10 s CPU time-out; loading sleeps past the load time-out
    Attack("busy_loop", (POOL,)),
    Attack("hang_at_import", EVERYTHING, before=True),
    # two functions hang on every call: each times out once, its other cases are skipped, and
    # the correct third function keeps its marks
    Attack("hang_everywhere", (W, INPUT)),
    Attack("pipe_stall", (W,), proof=": stalled the request pipe"),
    # memory, processes, disk, state that outlives the sandbox
    Attack("memory_bomb", (W,), proof=": stopped after"),
    Attack("memory_across_processes", (W,)),
    Attack("fork_bomb", (W,), proof=": started"),
    Attack("setsid_escape", (W,), proof=": started the escapees"),
    Attack("stop_the_sweeper", (W,), proof=": started"),
    Attack("sysv_ipc_leftover", (W,)),
    Attack("keyring_share", (W,), proof=": keyring tried"),
    Attack("disk_fill", (W,)),
    Attack("deep_scratch_tree", (W,)),
    Attack("plant_pth", (W,), proof=": tried"),
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
    Attack("output_fifo", (POOL,), proof=None),
    # files that are hard to read: each ends with a sentence, never a grader error
    Attack("huge_notebook_zip", **UNREADABLE, says="larger than 20971520 bytes|limit is 20971520"),
    Attack("deep_notebook", **OTTER_CHOKES, says="nested too deeply"),
    Attack("odd_cells", (), proof="", says="<cell 3>"),
    Attack("bad_crc_zip", **OTTER_CHOKES, says="checksum does not match"),
    Attack("unknown_method_zip", **OTTER_CHOKES, says="compressed with a method"),
    Attack("encrypted_zip", **OTTER_CHOKES, says="encrypted"),
    Attack("non_utf8_name_zip", **OTTER_CHOKES, says="not valid UTF-8"),
]
SLOW_FIRST = ("hang_at_import", "hang_everywhere", "pipe_stall", "busy_loop")


def test_every_attack_file_is_listed() -> None:
    files = {p.stem for p in ATTACKS_DIR.glob("*.py")}
    assert files == {a.name for a in ATTACKS if a.name not in FILES}


# ---------------------------------------------------------------------------- running one

# Each harness grades one file in its own process and reports on stdout (a channel the sandbox
# cannot reach): status, scores, the results, the peak memory of the grading process.
REPORT = (
    r"""
def report(status, scores, results, started):
    import json, resource, time
    out = {"status": status, "scores": scores, "seconds": time.monotonic() - started,
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "json_error": None}
    try:
        json.dumps(results, allow_nan=False)
    except (TypeError, ValueError) as exc:
        out["json_error"] = repr(exc)
    out["results"] = json.loads(json.dumps(results, default=repr))
    print("OUTCOME " + json.dumps(out), flush=True)

def from_results(results, started):
    tests = results.get("tests", [])
    names = [t.get("name", "") for t in tests]
    output = str(results.get("output", ""))
    scores = {t["name"]: t.get("score") for t in tests if t.get("name") in QUESTIONS}
    if any(n.lower() == "autograder error" for n in names):
        status = "grader-error"
    elif "could not isolate" in output:
        status = "refused"
    elif "could not be graded" in output:
        status = "unreadable"
    else:
        status = "graded" if "grading details (instructors only)" in names else "unknown"
    report(status, scores, results, started)
"""
    + f"""
QUESTIONS = {tuple(QUESTIONS)!r}
"""
)

HARNESS = {
    # a grading process that grades one file per line of its input, as a batch worker does
    "grade": REPORT
    + r"""
import sys, time
from cnn_backprop.course import load
from cnn_backprop.grader import grade_file

course = load()
for line in sys.stdin:
    started = time.monotonic()
    outcome = grade_file(line.rstrip("\n"), course)
    report(outcome.status, outcome.scores, outcome.results, started)
""",
    # the zip's own entry point on an /autograder-like folder, as Gradescope runs it
    "gradescope": REPORT
    + r"""
import json, shutil, sys, time, zipfile
from pathlib import Path
submission, zip_path, folder = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
for sub in ("source", "submission", "results"):
    (folder / sub).mkdir(parents=True)
zipfile.ZipFile(zip_path).extractall(folder / "source")
(folder / "submission_metadata.json").write_text('{"id": 777}')
shutil.copy(submission, folder / "submission" / submission.name)
sys.path.insert(0, str(folder / "source"))
started = time.monotonic()
from cnn_backprop.gradescope import main
main(str(folder))
from_results(json.loads((folder / "results" / "results.json").read_text()), started)
""",
    "otter-run": REPORT
    + r"""
import json, sys, time
from pathlib import Path
from otter.run import main
submission, zip_path, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
out.mkdir()
started = time.monotonic()
main(submission, autograder=zip_path, output_dir=str(out), no_logo=True)
from_results(json.loads((out / "results.json").read_text()), started)
""",
}


@dataclass
class Run:
    marker: str
    seconds: float
    timed_out: bool
    outcome: dict[str, Any] | None
    stderr: str
    uid: int | None
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
        REPO / "autograder" / "cnn_backprop",
        ATTACKS_DIR,
        Path.cwd(),
        Path("/autograder"),
        Path("/autograder/results"),
        Path("/work"),
        *{Path(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")},
    ]


SANDBOX_UID = re.compile(r"fresh uid of its own \((\d+)\)")


class Grader:
    """A grading process for one platform: its working folder, its TMPDIR, its input pipe.

    ``grade``-kind platforms keep one such process for many attacks (as a batch worker does);
    Otter's paths start one per submission (as Gradescope and ``otter run`` do).
    """

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        # its working directory: world-writable, so only isolation keeps the sandbox out
        self.workdir = Path(tempfile.mkdtemp(prefix="cnnbp-attack-cwd-"))
        self.workdir.chmod(0o1777)
        # its own temporary folders (scratch, captured output) go here, to be checked
        self.tmp = Path(tempfile.mkdtemp(prefix="cnnbp-attack-tmp-"))
        self.tmp.chmod(0o777 if platform.user else 0o755)
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()

    def start(self, argv: list[str]) -> None:
        self.errors.seek(0)
        self.errors.truncate()
        self.proc = subprocess.Popen(
            [*self.platform.prefix(), *argv],
            cwd=self.workdir,
            env={**self.platform.environment(self.workdir), "TMPDIR": str(self.tmp)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, args=(self.proc, self.lines), daemon=True).start()

    @staticmethod
    def _pump(proc: subprocess.Popen, lines: queue.Queue[str | None]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def grade(self, submission: Path, limit: float) -> tuple[dict | None, bool, str]:
        """Grade one file: (outcome, timed out, the tail of its errors)."""
        if self.platform.kind == "grade":
            if self.proc is None:
                self.start([self.platform.python(), "-c", HARNESS["grade"]])
            assert self.proc is not None and self.proc.stdin is not None
            with contextlib.suppress(OSError):
                self.proc.stdin.write(f"{submission}\n")
                self.proc.stdin.flush()
        else:
            argv = [
                self.platform.python(),
                "-c",
                HARNESS[self.platform.kind],
                str(submission),
                str(autograder_zip()),
                str(self.workdir / "ag"),
            ]
            self.start(argv)
        deadline = time.monotonic() + limit
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                tail = self.error_tail()
                self.stop()
                return None, True, tail
            if line is None:
                tail = self.error_tail()
                self.stop()
                return None, False, tail
            if line.startswith("OUTCOME "):
                if self.platform.kind != "grade":
                    self.stop()
                return json.loads(line.split(" ", 1)[1]), False, ""

    def error_tail(self) -> str:
        self.errors.seek(0)
        return self.errors.read()[-3000:].decode("utf-8", "replace")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        self.lines = queue.Queue()
        if proc is None:
            return
        stuck = _descendants(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in stuck:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        self.stop()
        self.errors.close()
        subprocess.run(["rm", "-rf", str(self.workdir), str(self.tmp)], check=False)


def run_attack(attack: Attack, grader: Grader, folder: Path) -> Run:
    """Grade the attack; collect (and clean up) what it left."""
    marker = f"cnnbp-{attack.name}-{uuid.uuid4().hex[:10]}"
    filename, content = attack.submission(marker)
    submission = folder / filename
    submission.write_bytes(content)
    folder.chmod(0o755)
    submission.chmod(0o644)
    workdir, gradertmp = grader.workdir, grader.tmp
    started = time.monotonic()
    outcome, timed_out, stderr = grader.grade(submission, attack.limit)
    seconds = time.monotonic() - started
    if outcome is not None and outcome["peak_rss_mib"] >= MAX_PARENT_RSS_MIB:
        grader.stop()  # its high-water mark would count against the next attacks

    found = SANDBOX_UID.search(json.dumps(outcome["results"])) if outcome else None
    uid = int(found.group(1)) if found else None

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
    stray = []
    for place in _places(workdir):
        with contextlib.suppress(OSError):
            for entry in place.iterdir():
                if str(entry) in scratch or entry == workdir / "ag":
                    continue
                owned = uid is not None and entry.lstat().st_uid == uid
                forged = entry.name == "results.json" and marker in _head(entry)
                if marker in entry.name or owned or forged:
                    stray.append(str(entry))
    for path in stray + scratch:
        subprocess.run(["rm", "-rf", path], check=False)  # rm copes with very deep trees
    subprocess.run(["rm", "-rf", str(workdir / "ag")], check=False)

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
        uid=uid,
        leftover_processes=[text for _, text in leftovers],
        stray_files=stray,
        leftover_scratch=scratch,
        leftover_cgroups=cgroups,
        leftover_ipc=[f"{kind} key {k:#x} id {i} uid {u}" for kind, k, i, u in ipc],
    )


def _cgroups(uid: int) -> list[str]:
    """The sandbox's cgroups, if the grader left any (named after the sandbox uid)."""
    found = []
    # other sandboxes create and remove their groups meanwhile: a vanished folder is no error
    for top, dirs, _ in os.walk("/sys/fs/cgroup", onerror=lambda _: None):
        found += [
            os.path.join(top, d)
            for d in dirs
            if d.startswith("cnn-backprop") and d.endswith(str(uid))
        ]
    return sorted(found)


def _head(path: Path) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read(4096)
    except OSError:
        return ""


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
    assert out["status"] == attack.status, f"{where} status {out['status']}: {text[:3000]}"
    if attack.proof is not None:  # the attack really ran (not a vacuous pass)
        proof = run.marker + attack.proof
        assert proof in text, f"{where} the attack left no proof it ran ({proof!r}): {text[:2000]}"
    if attack.says:
        assert re.search(attack.says, text), f"{where} the results do not say {attack.says!r}"
    for fault in GRADER_FAULTS:
        assert fault not in text, f"{where} the grader blamed itself ({fault!r}): {text[:3000]}"

    scores = out["scores"]
    for q in QUESTIONS:
        got = scores.get(q) or 0
        if q not in attack.targets:
            assert got == POINTS[q], f"{where} {q} scored {got}: {text[:3000]}"
        elif attack.partial:
            assert got < POINTS[q], f"{where} {q} scored full marks: {text[:3000]}"
        else:
            assert got == 0, f"{where} {q} scored {got}: {text[:3000]}"

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


class Battery:
    """Every selected (platform, attack) run, side by side, started on first use.

    Grading processes of ``grade``-kind platforms are reused (one attack at a time each).
    """

    def __init__(self, wanted: list[tuple[Platform, Attack]], tmp: Path) -> None:
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=SIDE_BY_SIDE)
        self.runs: dict[tuple[str, str], Future[Run]] = {}
        self.idle: dict[str, list[Grader]] = {}
        self.all: list[Grader] = []
        self.lock = threading.Lock()
        order = sorted(wanted, key=lambda pa: (pa[1].name not in SLOW_FIRST, pa[0].name))
        for platform, attack in order:
            self._submit(platform, attack)

    def _submit(self, platform: Platform, attack: Attack) -> Future[Run]:
        key = (platform.name, attack.name)
        with self.lock:
            if key not in self.runs:
                self.runs[key] = self.pool.submit(self._run, platform, attack)
            return self.runs[key]

    def _run(self, platform: Platform, attack: Attack) -> Run:
        with self.lock:
            idle = self.idle.setdefault(platform.name, [])
            grader = idle.pop() if idle else None
            if grader is None:
                grader = Grader(platform)
                self.all.append(grader)
        folder = Path(tempfile.mkdtemp(prefix=f"{platform.name}-{attack.name}-", dir=self.tmp))
        try:
            return run_attack(attack, grader, folder)
        finally:
            with self.lock:
                self.idle[platform.name].append(grader)

    def result(self, platform: Platform, attack: Attack) -> Run:
        return self._submit(platform, attack).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for grader in self.all:
            grader.close()


def _platform_params() -> list[Any]:
    params = []
    for platform in PLATFORMS:
        reason = platform.skip_reason()
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(platform, id=platform.name, marks=marks))
    return params


PLATFORM_PARAMS = _platform_params()


_started: Battery | None = None


def start_battery(items: list[pytest.Item]) -> Battery:
    """Start every selected run (conftest calls this as soon as collection ends, so the
    battery's waits overlap the rest of the suite; its tests run last)."""
    global _started
    if _started is None:
        wanted = []
        for item in items:
            spec = getattr(item, "callspec", None)
            skipped = any(m.name == "skip" for m in item.iter_markers())
            if (
                getattr(item, "originalname", "") == "test_attack_is_contained"
                and spec
                and not (skipped)
            ):
                wanted.append((spec.params["platform"], spec.params["attack"]))
        tmp = Path(tempfile.mkdtemp(prefix="cnnbp-battery-"))
        tmp.chmod(0o755)
        _started = Battery(wanted, tmp)
    return _started


@pytest.fixture(scope="session")
def battery(request: pytest.FixtureRequest) -> Any:
    battery = start_battery(request.session.items)
    yield battery
    battery.close()
    subprocess.run(["rm", "-rf", str(battery.tmp)], check=False)


OTTER_RUN_READS = (
    "otter run unpacks the zip and validates the notebook itself before any plugin runs; a "
    "file it cannot read makes otter run fail with its own traceback (nothing from the file "
    "runs). Grade such files with cnn-backprop grade, or on Gradescope, where the zip's entry "
    "point sets the upload aside first"
)


def _cases() -> list[Any]:
    cases = []
    for platform in PLATFORM_PARAMS:
        for attack in ATTACKS:
            marks = list(platform.marks)
            if attack.otter_reads_it and platform.values[0].kind == "otter-run":
                marks.append(pytest.mark.skip(reason=OTTER_RUN_READS))
            ident = f"{platform.id}-{attack.name}"
            cases.append(pytest.param(platform.values[0], attack, id=ident, marks=marks))
    return cases


@pytest.mark.parametrize(("platform", "attack"), _cases())
def test_attack_is_contained(platform: Platform, attack: Attack, battery: Battery) -> None:
    run = battery.result(platform, attack)
    scores = run.outcome and run.outcome["scores"]
    print(f"{platform.name}/{attack.name}: {run.seconds:.1f} s, scores {scores}")
    assert_contained(attack, run)


@pytest.mark.parametrize("platform", PLATFORM_PARAMS)
def test_harness_control_correct_submission(platform: Platform) -> None:
    """The harness itself: a harmless 'attack' keeps full marks and leaves nothing behind."""
    folder = Path(tempfile.mkdtemp(prefix="cnnbp-control-"))  # readable by the platform's user
    grader = Grader(platform)
    try:
        control = Attack("control", (), proof=None, inline="# nothing hostile here\n")
        assert_contained(control, run_attack(control, grader, folder))
    finally:
        grader.close()
        subprocess.run(["rm", "-rf", str(folder)], check=False)
