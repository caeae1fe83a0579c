"""The sandbox as an instructor runs it: as a non-root user, where there is no uid to drop to.

CI runs as root, so the grader is started here as the unprivileged uid 65534 (with
``setpriv``); run as an ordinary user, the test grades as that user.  Either way the submission
must not read the checkout, must not leave processes or files behind, and the report must say
which protections were active.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASE = (REPO / "tests" / "zoo" / "correct" / "loops.py").read_text()

ATTACK = """
import glob, os, subprocess
def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    # the reference from the checkout would give full marks, if it could be read
    ns = {{}}
    exec(open({reference!r}).read(), ns)
    return ns["conv1d_backward_w"](x, delta, kernel_size, stride=stride, padding=padding,
                                   dilation=dilation)
open("/tmp/{marker}", "w").write("escaped")
subprocess.Popen(["sleep", "120", "{marker}"], start_new_session=True)
print("ran {marker}")
"""


def as_grading_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_non_root_grader_hides_the_checkout_and_cleans_up() -> None:
    # pytest's tmp_path lives under a 0700 folder the grading user cannot enter
    tmp_path = Path(tempfile.mkdtemp(prefix="cnn-backprop-user-test-"))
    try:
        run_attack(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def run_attack(tmp_path: Path) -> None:
    marker = f"cnn-backprop-{uuid.uuid4().hex}"
    submission = tmp_path / "attack.py"
    submission.write_text(
        BASE + ATTACK.format(reference=str(REPO / "solutions" / "reference.py"), marker=marker)
    )
    out = tmp_path / "graded"
    tmp_path.chmod(0o777)
    submission.chmod(0o644)
    env = {**os.environ, "CNN_BACKPROP_SECRET": "test-secret", "HOME": str(tmp_path)}
    started = time.monotonic()
    result = subprocess.run(
        [*as_grading_user(), sys.executable, "-m", "cnn_backprop.cli", "grade", str(submission),
         "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300, cwd=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 120
    results = json.loads((out / "attack" / "results.json").read_text())
    scores = {t["name"]: t.get("score") for t in results["tests"]}
    assert scores["conv1d_backward_w"] == 0
    assert scores["conv1d_backward_input"] == 10 and scores["maxpool1d_backward"] == 10
    details = next(t["output"] for t in results["tests"] if t["name"].startswith("grading"))
    assert f"ran {marker}" in details  # the attack really ran
    assert "private filesystem view" in details
    # the checkout is not there at all in the child's root (or, at least, not readable)
    assert "FileNotFoundError" in json.dumps(results) or "PermissionError" in json.dumps(results)
    assert not Path(f"/tmp/{marker}").exists()
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                leftovers.append(pid)
        except OSError:
            pass
    assert not leftovers, f"processes outlived grading: {leftovers}"
