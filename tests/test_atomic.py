"""Atomic writes: a reader sees the old file or the new one, never half of one.

``atomic.write_text`` is the one writer of every file the grader leaves for others
(results.json, record.json, grades.csv, the report and its CSVs).  These tests check the
property itself: a reader polling the file while it is rewritten only ever reads a whole
version; a write that fails leaves the old file and no temporary file behind; and the
grader's ``write_results`` goes through it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from cnn_backprop import atomic
from cnn_backprop.grader import write_results

VERSIONS = ("a" * 2_000_000, "b" * 3_000_000)  # big enough that a plain write is seen in parts


def test_a_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    atomic.write_text(VERSIONS[0], path)
    done = threading.Event()
    seen: set[int] = set()
    partial: list[int] = []

    def reader() -> None:
        while not done.is_set():
            text = path.read_text()
            seen.add(len(text))
            if text not in VERSIONS:
                partial.append(len(text))

    thread = threading.Thread(target=reader)
    thread.start()
    try:  # rewrite until the reader has read both versions (or 20 s: then the assert says so)
        deadline, i = time.monotonic() + 20, 0
        while (len(seen) < 2 or i < 40) and time.monotonic() < deadline:
            atomic.write_text(VERSIONS[i % 2], path)
            i += 1
    finally:
        done.set()
        thread.join()
    assert partial == []
    assert seen == {len(v) for v in VERSIONS}  # it did read while the versions alternated
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary left


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "grades.csv"
    atomic.write_text("old\n", path)

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        atomic.write_text("new\n", path)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_results_json_is_written_through_it(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "results.json"
    write_results({"score": 1.0, "tests": []}, path)
    monkeypatch.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError):
        write_results({"score": 2.0, "tests": []}, path)
    assert json.loads(path.read_text())["score"] == 1.0  # the previous results, whole
