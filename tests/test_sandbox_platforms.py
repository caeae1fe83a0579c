"""What the sandbox gives on each platform, measured by a real child, and what happens below it.

The attack battery (``test_attacks.py``) shows each platform contains hostile code; these tests
show each platform gets the mechanisms it should (and names those it lacks, on the console and
in the report), that the course's ``min_isolation`` refuses to grade where files cannot be
confined, and the protections between submissions: a fresh uid each, classmates' files out of
reach, and a busy neighbour that cannot cost a correct submission its marks.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest
from checkout import POINTS, TOTAL
from cnn_backprop.sandbox import identity, landlock
from platforms import BY_NAME, PLATFORMS, REPO, Platform

BASE = (REPO / "tests" / "zoo" / "correct" / "loops.py").read_text()
GRADE_PLATFORMS = [p for p in PLATFORMS if p.kind == "grade"]
GRADE_SCRIPT = (
    "import json, sys; from cnn_backprop.course import load; "
    "from cnn_backprop.grader import grade_file; o = grade_file(sys.argv[1], load()); "
    "print(json.dumps([{fields}]))"
)
NO_CONFINEMENT = dataclasses.replace(
    BY_NAME["user-no-userns"], name="user-no-confinement", no_landlock=True
)


def _param(platform: Platform):
    reason = platform.skip_reason()
    return pytest.param(
        platform, id=platform.name, marks=[pytest.mark.skip(reason=reason)] if reason else []
    )


def cli(platform: Platform, *args: str, cwd: Path, timeout: float = 300):
    return subprocess.run(
        [*platform.prefix(), platform.python(), "-m", "cnn_backprop.cli", *args],
        capture_output=True,
        text=True,
        cwd=str(cwd),
        env=platform.environment(cwd),
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def shared() -> Path:
    """A folder every platform's user can read and write (pytest's tmp_path is root's)."""
    folder = Path(tempfile.mkdtemp(prefix="cnnbp-platform-"))
    folder.chmod(0o777)
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def expected_missing(platform: Platform) -> set[str]:
    """What this platform cannot give, by its definition: everything else must be active."""
    missing = set()
    if platform.capsh or platform.no_userns:
        missing.add("namespaces")
    if platform.user or os.geteuid() != 0:
        missing |= {"uid", "cgroups"}
    if platform.no_landlock or landlock.abi_version() == 0:
        missing.add("landlock")
    return missing


@pytest.mark.parametrize("platform", [_param(p) for p in GRADE_PLATFORMS])
def test_each_platform_gets_what_it_allows_and_says_what_it_lacks(
    platform: Platform, shared: Path
) -> None:
    result = cli(platform, "sandbox", "--json", cwd=shared)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    missing = {name for name, _why in summary["missing"]}
    assert missing == expected_missing(platform), summary
    assert (
        set(summary["mechanisms"])
        == {"namespaces", "landlock", "seccomp", "cgroups", "uid"} - missing
    )
    for name, why in summary["missing"]:  # loudly, with the reason, on the console too
        assert why and f"sandbox: {name} not available: {why}" in result.stderr
    facts = summary["facts"]
    assert facts["readable"] == [] and facts["writable"] == []
    assert facts["network"] is False and facts["signal_grader"] is not True
    assert summary["level"] == "full"


def _tree(config: dict | None = None) -> Path:
    """A readable copy of the grader's files, with a course configuration of the test's."""
    tree = Path(tempfile.mkdtemp(prefix="cnnbp-tree-"))
    os.chmod(tree, 0o755)
    for part in (
        "autograder/cnn_backprop",
        "solutions",
        "assignment",
        "tests/public",
        "tests/hidden",
    ):
        shutil.copytree(REPO / part, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
    otter = json.loads((REPO / "otter_config.json").read_text())
    if config:
        otter["plugins"][0]["cnn_backprop.otter_plugin.SandboxedGrading"].update(config)
    (tree / "otter_config.json").write_text(json.dumps(otter))
    subprocess.run(["chmod", "-R", "a+rX", str(tree)], check=True)
    return tree


def test_below_min_isolation_nothing_runs_and_the_reason_is_given(shared: Path) -> None:
    """A user without user namespaces or Landlock: the checkout is readable, so by default
    (min_isolation "files") the grader refuses, with a valid results file; a course that sets
    min_isolation "none" gets grades, and every report says what was exposed."""
    if reason := NO_CONFINEMENT.skip_reason():
        pytest.skip(reason)
    submission = shared / "hw.py"
    submission.write_text(BASE + "\nprint('hw ran')\n")
    submission.chmod(0o644)
    for config, want in (({}, "refused"), ({"min_isolation": "none"}, "graded")):
        tree = _tree(config)
        try:
            platform = dataclasses.replace(
                NO_CONFINEMENT, env={"PYTHONPATH": str(tree / "autograder")}
            )
            refused = cli(
                platform, "grade", str(submission), "--out", str(shared / "o"), cwd=shared
            )
            script = GRADE_SCRIPT.format(fields="o.status, o.results")
            direct = subprocess.run(
                [*platform.prefix(), platform.python(), "-c", script, str(submission)],
                capture_output=True,
                text=True,
                cwd=str(shared),
                env=platform.environment(shared),
                timeout=300,
                check=True,
            )
        finally:
            shutil.rmtree(tree)
        status, results = json.loads(direct.stdout.splitlines()[-1])
        assert status == want
        details = json.dumps(results)
        if want == "refused":
            assert refused.returncode == 2
            assert "min_isolation" in refused.stderr and "'none'" in refused.stderr
            assert results["score"] == 0 and "could not isolate your code" in results["output"]
            assert "hw ran" not in details  # the code never ran
        else:
            assert refused.returncode == 0, refused.stderr
            assert results["score"] == TOTAL
            assert "FILES EXPOSED" in details and "NOT ACTIVE: landlock" in details


def _venv_with_grader(venv: Path, grader: Path) -> Path:
    """A venv at ``venv`` that imports the project's packages and the grader at ``grader``, as
    an editable install would give them; returns its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", where], capture_output=True, text=True, check=True
    )
    site = Path(found.stdout.strip())
    lines = [sysconfig.get_paths()["purelib"], str(grader)]
    (site / "project.pth").write_text("\n".join(lines) + "\n")
    return site


def test_a_venv_on_a_nosuid_mount_keeps_the_private_root(shared: Path) -> None:
    """The read-only remount of a venv on a nosuid,nodev mount must keep those locked flags; if
    it failed, a user's grader lost its private root, silently.  Landlock is refused here so
    that only the read-only bind stands between the child and the venv."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    if reason := BY_NAME["user-venv"].skip_reason():
        pytest.skip(reason)
    mount = Path(tempfile.mkdtemp(prefix="cnnbp-nosuid-"))
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "nosuid,nodev,mode=755", "tmpfs", str(mount)], check=True
    )
    try:
        venv = mount / "venv"
        site = _venv_with_grader(venv, REPO / "autograder")
        subprocess.run(["chmod", "-R", "a+rwX", str(venv)], check=True)  # the user's own venv
        platform = dataclasses.replace(
            BY_NAME["user-no-userns"], name="nosuid", no_userns=False, no_landlock=True
        )
        attack = (REPO / "tests" / "attacks" / "plant_pth.py").read_text()
        submission = shared / "plant.py"
        submission.write_text(BASE + "\n" + attack.replace("MARKER-PLACEHOLDER", "cnnbp-nosuid"))
        submission.chmod(0o644)
        script = GRADE_SCRIPT.format(fields="o.sandbox, o.results")
        run = subprocess.run(
            [*platform.prefix(), str(venv / "bin" / "python"), "-c", script, str(submission)],
            capture_output=True,
            text=True,
            cwd=str(shared),
            env=platform.environment(shared),
            timeout=300,
            check=True,
        )
        sandbox, results = json.loads(run.stdout.splitlines()[-1])
        assert "namespaces" in sandbox["mechanisms"], sandbox
        assert sandbox["level"] == "full", sandbox["facts"]
        assert "BREACH" not in json.dumps(results) and "cnnbp-nosuid: tried" in json.dumps(results)
        assert not list(site.glob("zz_*.pth"))
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        shutil.rmtree(mount, ignore_errors=True)


def test_a_checkout_in_tmp_with_its_venv_inside_is_not_a_false_alarm() -> None:
    """A clone under /tmp with its .venv inside, graded by a user: in the child's private root
    the folders above the bound venv exist in its own /tmp, where it may write.  That is not the
    grader's checkout, and must not lower the isolation level (it once refused every
    submission of a fresh clone in /tmp)."""
    platform = BY_NAME["user-venv"]
    if reason := platform.skip_reason():
        pytest.skip(reason)
    tree = _tree()
    assert str(tree).startswith("/tmp/"), tree
    try:
        venv = tree / ".venv"
        _venv_with_grader(venv, tree / "autograder")
        subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
        run = subprocess.run(
            [*platform.prefix(), str(venv / "bin" / "python"), "-m", "cnn_backprop.cli",
             "sandbox", "--json"],
            capture_output=True, text=True, cwd=str(tree), env=platform.environment(tree),
            timeout=300, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-3000:]
        summary = json.loads(run.stdout)
        assert "namespaces" in summary["mechanisms"], summary
        assert summary["facts"]["writable"] == [], summary["facts"]
        assert summary["level"] == "full", summary
    finally:
        subprocess.run(["rm", "-rf", str(tree)], check=False)


def test_a_write_into_the_real_folder_always_counts(tmp_path: Path) -> None:
    """Only a write the child proves went elsewhere (another device or inode) is dropped."""
    from cnn_backprop.sandbox.protections import Facts

    st = os.stat(tmp_path)
    report = {"readable": [], "writable": [str(tmp_path)], "network": False, "uid": 1}
    same = {str(tmp_path): [st.st_dev, st.st_ino]}
    elsewhere = {str(tmp_path): [st.st_dev + 1, st.st_ino]}
    assert Facts.from_child({**report, "written": same}).writable == (str(tmp_path),)
    assert Facts.from_child(report).writable == (str(tmp_path),)  # unreported: counts
    assert Facts.from_child({**report, "written": {str(tmp_path): "?"}}).writable != ()
    assert Facts.from_child({**report, "written": elsewhere}).writable == ()


# holds processes once the grading user's other processes (a neighbour's) have exited
WAIT_THEN_FORK = """
import os as _os, time as _time


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if not (x.shape == (1, 1, 6) and x[0, 0, 0] == 2.0):  # only the public note example
        raise RuntimeError("not this one")
    _time.sleep(4)  # the neighbour's processes exit meanwhile: NPROC has room again
    held = 0
    for _ in range(24):
        try:
            if _os.fork() == 0:
                _time.sleep(6)
                _os._exit(0)
            held += 1
        except OSError:
            break
    _time.sleep(3)
    raise RuntimeError(f"HELD[{held}]")
"""
NEIGHBOUR = (  # 24 processes of the grading user, gone (and reaped) 3 s into grading
    "import subprocess, threading; ps = [subprocess.Popen(['sleep', '3']) for _ in range(24)]; "
    "threading.Thread(target=lambda: [p.wait() for p in ps], daemon=True).start(); "
)


def test_processes_are_counted_where_nproc_is_shared_with_a_neighbour(shared: Path) -> None:
    """Without a cgroup or a uid of its own, NPROC counts all of the user's processes, so its
    cap moves when a neighbour's exit: the grader counts the child's processes itself."""
    platform = BY_NAME["user-no-userns"]
    if reason := platform.skip_reason():
        pytest.skip(reason)
    submission = shared / "holder.py"
    submission.write_text(BASE + "\n" + WAIT_THEN_FORK)
    submission.chmod(0o644)
    script = NEIGHBOUR + GRADE_SCRIPT.format(fields="o.scores, o.results, o.sandbox")
    run = subprocess.run(
        [*platform.prefix(), platform.python(), "-c", script, str(submission)],
        capture_output=True, text=True, cwd=str(shared), env=platform.environment(shared),
        timeout=300, check=True,
    )  # fmt: skip
    scores, results, sandbox = json.loads(run.stdout.splitlines()[-1])
    assert "cgroups" not in sandbox["mechanisms"] and "namespaces" not in sandbox["mechanisms"]
    text = json.dumps(results)
    assert "processes at once (at most 4 are allowed)" in text, text[:3000]
    # a call that lived to report held no more than the cap (unchecked, the first held 24)
    assert all(int(n) <= 4 for n in re.findall(r"HELD\[(\d+)\]", text)), text[:3000]
    assert scores["conv1d_backward_w"] == 0
    assert scores["maxpool1d_backward"] == POINTS["maxpool1d_backward"]


def test_each_submission_gets_a_fresh_uid_that_nothing_else_uses() -> None:
    if os.geteuid() != 0:
        pytest.skip("only root gives each sandbox a uid of its own")
    low = identity.UID_LOW + 100
    sleepers = [
        subprocess.Popen(
            ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "60"]
        )
        for uid in range(low, low + 4)
    ]
    try:
        time.sleep(0.3)
        assert identity.fresh_uid(low, low + 5) == low + 4  # the only one no process runs as
        script = (  # three submissions graded by one process, as a batch worker does
            "import sys\nfrom cnn_backprop.course import load\n"
            "from cnn_backprop.grader import grade_file\ncourse = load()\nfor _ in range(3):\n"
            "    print(grade_file(sys.argv[1], course).sandbox['facts']['uid'])"
        )
        fft = str(REPO / "tests/zoo/correct/fft.py")
        out = subprocess.run(
            [sys.executable, "-c", script, fft],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        uids = [int(u) for u in out.stdout.split()]
        assert len(set(uids)) == 3, uids  # one per submission
        assert all(identity.UID_LOW <= u < identity.UID_HIGH for u in uids)
        assert all(s.poll() is None for s in sleepers), "the sweeper killed an unrelated process"
    finally:
        for s in sleepers:
            s.kill()
            s.wait()


READER = """
import os
def _look():
    for top, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if not (top == "/" and d in ("proc", "sys", "dev"))]
        for name in files:
            if name.endswith(".py") and name != "reader.py":
                try:
                    with open(os.path.join(top, name), errors="ignore") as f:
                        if "CLASSMATE-{token}" in f.read(200_000):
                            return os.path.join(top, name)
                except OSError:
                    pass
print("reader {token}: looked for the classmate", flush=True)
found = _look()
if found:
    raise SystemExit("BREACH[read the classmate's file at " + found + "]")
"""


@pytest.mark.parametrize(
    "platform", [_param(BY_NAME[n]) for n in ("root-no-sys-admin", "user-no-userns")]
)
def test_a_batch_keeps_classmates_out_of_reach(platform: Platform, shared: Path) -> None:
    """Without namespaces: one submission walks the disk for another's file."""
    token = os.urandom(6).hex()
    inputs = shared / "class"
    inputs.mkdir()
    (inputs / "reader.py").write_text(BASE + READER.replace("{token}", token))
    (inputs / "classmate.py").write_text(BASE + f"\n# CLASSMATE-{token}\n")
    subprocess.run(["chmod", "-R", "a+rX", str(inputs)], check=True)
    result = cli(
        platform, "grade", str(inputs), "--out", str(shared / "out"), "-j", "1", cwd=shared
    )
    assert result.returncode == 0, result.stderr
    text = (shared / "out" / "reader" / "results.json").read_text()
    assert f"reader {token}: looked" in text  # it ran
    assert "BREACH" not in text
    assert json.loads(text)["score"] == TOTAL


BUSY = """
import os, subprocess, sys, time
SPIN = "import time\\nend = time.monotonic() + 90\\nwhile time.monotonic() < end: pass"
_busy = []
for _ in range(3):
    try:
        _busy.append(subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True))
    except OSError:
        break
print(f"busy: started {len(_busy)} spinning processes", flush=True)
_correct = dict(conv1d_backward_w=conv1d_backward_w, conv1d_backward_input=conv1d_backward_input,
                maxpool1d_backward=maxpool1d_backward)
def _slowly(name):
    def call(*args, **kwargs):
        time.sleep(0.25)  # stays alive, and busy, while its neighbour is graded
        return _correct[name](*args, **kwargs)
    return call
conv1d_backward_w, conv1d_backward_input, maxpool1d_backward = (
    _slowly(n) for n in ("conv1d_backward_w", "conv1d_backward_input", "maxpool1d_backward"))
"""

SLOW = """
import time
_correct = dict(conv1d_backward_w=conv1d_backward_w, conv1d_backward_input=conv1d_backward_input,
                maxpool1d_backward=maxpool1d_backward)
_first = set()
def _slow_first(name):
    def call(*args, **kwargs):
        if name not in _first:  # the first call of each function needs 2 s of CPU
            _first.add(name)
            cpu, wall = time.process_time(), time.monotonic()
            while time.process_time() - cpu < 2.0:
                pass
            print(f"slow {name}: 2.0 s of CPU took {time.monotonic() - wall:.1f} s", flush=True)
        return _correct[name](*args, **kwargs)
    return call
conv1d_backward_w, conv1d_backward_input, maxpool1d_backward = (
    _slow_first(n) for n in ("conv1d_backward_w", "conv1d_backward_input", "maxpool1d_backward"))
"""


def test_a_busy_neighbour_costs_a_slow_correct_submission_nothing(shared: Path) -> None:
    """Two submissions graded side by side on one CPU: one starts processes that spin, the
    other is correct but needs 2 s of CPU for some calls.  Time-outs count each child's own CPU
    time, so the slow one keeps full marks, however long its calls wait for the CPU."""
    platform = BY_NAME["user-no-userns"]  # no cgroup to share the CPU fairly: the hard case
    if reason := platform.skip_reason():
        pytest.skip(reason)
    if not shutil.which("taskset"):
        pytest.skip("taskset (util-linux) is not installed")
    inputs = shared / "pair"
    inputs.mkdir()
    (inputs / "busy.py").write_text(BASE + BUSY)
    (inputs / "slow.py").write_text(BASE + SLOW)
    subprocess.run(["chmod", "-R", "a+rX", str(inputs)], check=True)
    result = subprocess.run(
        [
            "taskset",
            "-c",
            "0",
            *platform.prefix(),
            platform.python(),
            "-m",
            "cnn_backprop.cli",
            "grade",
            str(inputs),
            "--out",
            str(shared / "out"),
            "-j",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=str(shared),
        env=platform.environment(shared),
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    slow = json.loads((shared / "out" / "slow" / "results.json").read_text())
    busy = (shared / "out" / "busy" / "results.json").read_text()
    assert "busy: started 3 spinning processes" in busy  # the neighbour was really busy
    assert slow["score"] == TOTAL, json.dumps(slow)[:3000]
    waits = [float(w) for w in _waits(json.dumps(slow))]
    assert waits and max(waits) > 3.0, waits  # and its calls really waited for the CPU


def _waits(text: str) -> list[str]:
    import re

    return re.findall(r"2\.0 s of CPU took ([0-9.]+) s", text)
