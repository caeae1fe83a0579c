"""What the sandbox gives on each platform this machine can reproduce: the README's table.

Run on demand, from the repo root (as root, to reproduce every platform):

    .venv/bin/python benchmarks/sandbox_platforms.py

For each platform of ``tests/platforms.py`` it runs ``cnn-backprop sandbox --json`` the way that
platform's user would, and prints a Markdown table: the mechanisms that came up, those that
did not (with the reason), and the facts the child measured (files it could read or write,
network, the grader's processes).  Nothing in the table is assumed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import dataclasses  # noqa: E402

from platforms import BY_NAME, PLATFORMS  # noqa: E402

EXTRA = [
    dataclasses.replace(
        BY_NAME["user-no-userns"], name="user-no-userns-no-landlock", no_landlock=True
    ),
    dataclasses.replace(
        BY_NAME["root-no-sys-admin"], name="root-no-sys-admin-no-landlock", no_landlock=True
    ),
]


ZIP = [
    BY_NAME["gradescope"],
    dataclasses.replace(BY_NAME["gradescope"], name="gradescope-no-landlock", no_landlock=True),
]


def measure_zip(platform) -> dict | str:
    """The Gradescope layout (Otter's folders closed to the sandbox's uid): grade the reference
    notebook through the zip's entry point and read the sandbox summary it recorded."""
    import nbformat
    from cnn_backprop.course import load
    from cnn_backprop.handout import build_notebook
    from platforms import lay_out_autograder, run_gradescope

    reason = platform.skip_reason()
    if reason:
        return reason
    with tempfile.TemporaryDirectory(prefix="cnnbp-table-") as tmp:
        notebook = nbformat.writes(build_notebook(load(), solution=True)).encode()
        folder = lay_out_autograder(Path(tmp) / "ag", {"hw.ipynb": notebook})
        results = run_gradescope(folder, platform)
    found = results.get("extra_data", {}).get("sandbox")
    return found if found else f"no sandbox summary in: {json.dumps(results)[:300]}"


def measure(platform) -> dict | str:
    reason = platform.skip_reason()
    if reason:
        return reason
    with tempfile.TemporaryDirectory(prefix="cnnbp-table-") as tmp:
        Path(tmp).chmod(0o777)
        result = subprocess.run(
            [*platform.prefix(), platform.python(), "-m", "cnn_backprop.cli", "sandbox", "--json"],
            capture_output=True,
            text=True,
            cwd=tmp,
            env=platform.environment(Path(tmp)),
            timeout=300,
            check=False,
        )
    if result.returncode != 0:
        return f"failed: {result.stderr.strip()[-300:]}"
    return json.loads(result.stdout)


def main() -> int:
    rows = [
        "| platform | level | active | not active (why) | child could read / write / "
        "reach network / signal grader |",
        "|---|---|---|---|---|",
    ]
    grade_like = [p for p in PLATFORMS if p.kind == "grade"]
    for platform in [*grade_like, *EXTRA, *ZIP]:
        found = measure_zip(platform) if platform.kind == "gradescope" else measure(platform)
        if isinstance(found, str):
            rows.append(f"| {platform.name} | - | - | skipped: {found} | - |")
            continue
        facts = found["facts"]
        missing = "; ".join(f"{m} ({why})" for m, why in found["missing"]) or "-"
        signal = {True: "yes", False: "no", None: "not visible"}[facts["signal_grader"]]
        network = "yes" if facts["network"] else "no"
        seen = f"{len(facts['readable'])} / {len(facts['writable'])} / {network} / {signal}"
        active = ", ".join(found["mechanisms"])
        if found["landlock_abi"]:
            active = active.replace("landlock", f"landlock (ABI {found['landlock_abi']})")
        rows.append(f"| {platform.name} | **{found['level']}** | {active} | {missing} | {seen} |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
