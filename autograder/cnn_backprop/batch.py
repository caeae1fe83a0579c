"""Grade a whole class: find the submissions, grade them in parallel, resume, write grades.csv.

Inputs are files (``.py``, ``.ipynb``, Otter ``.zip``), folders of such files (or of one
folder per submission), and Gradescope's "Export Submissions" zip or its unpacked folder
(``submission_metadata.yml`` plus one ``submission_<id>/`` folder per submission).  From an
export, each submission keeps its students' identity and its Gradescope submission id, so its
seed is the one Gradescope used.

Each worker is a separate process grading whole submissions with ``grader.grade_file`` (the
sandbox gives every grading process its own uid).  Every finished submission leaves its
``results.json`` and a small ``record.json`` in ``OUT/<key>/``, both written atomically; the
record is what makes a batch resumable: a submission is graded again only if its content, its
Gradescope id, the ``--seed``, the grader or the course secret changed (or with ``force``).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import multiprocessing
import os
import re
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from . import QUESTIONS, __version__, config, paths
from .submission import MAX_FILE_BYTES
from .upload import MAX_DEPTH, pick

METADATA_FILE = "submission_metadata.yml"
RECORD_FILE = "record.json"
RESULTS_FILE = "results.json"
RECORD_FORMAT = 2  # 2: each failing case's named causes; the submission's flags
SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
RESERVED = {"grades.csv", "report.html", "misconceptions.csv", "similarity.csv"}
EXPORTS_DIR = ".exports"  # inside the output folder: hidden from the sandbox like the rest
MESSAGE_CHARS = 600  # of each failing case's message kept in the record (for the report)
# modules that cannot change a grade: editing them keeps earlier results valid
NOT_GRADING = {
    *("report.py", "cli.py", "build.py", "handout.py", "figures.py", "pytest_plugin.py"),
    *("records.py", "misconceptions.py", "similarity.py"),
}
# course settings that cannot change a grade either (the class report's alone)
NOT_GRADING_SETTINGS = ("similarity_threshold",)


class BatchInputError(Exception):
    """An input path cannot be used at all (missing, or not a kind of submission we know)."""


@dataclass(frozen=True)
class Submitter:
    """One student of a submission, as Gradescope's export names them."""

    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True)
class Job:
    """One submission to grade.

    Attributes
    ----------
    key : str
        Its output folder's name (unique in the batch, safe as a path component).
    path : str or None
        The file to grade; None when there is nothing gradable (``problem`` says why).
    origin : str
        Where it came from, for people: ``subs/ada.py``, ``export.zip:submission_1/hw.ipynb``.
    submission_id : str or None
        Gradescope's submission id: it fixes the seed, as on Gradescope.
    submitters : tuple of Submitter
        The students, when an export names them.
    """

    key: str
    path: str | None
    origin: str
    problem: str = ""
    submission_id: str | None = None
    submitters: tuple[Submitter, ...] = ()


@dataclass
class Discovery:
    """What ``discover`` found: the jobs, and the input files it left aside."""

    jobs: list[Job] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    hide: list[str] = field(default_factory=list)  # input folders the sandbox must not see


@dataclass
class BatchResult:
    """The outcome of ``grade_batch``: one record per job, sorted by key."""

    records: list[dict[str, Any]]
    graded: list[str]  # keys graded in this run
    reused: list[str]  # keys whose earlier result was still valid
    seconds: float
    workers: int
    worker_stats: dict[int, dict[str, int]] = field(default_factory=dict)  # pid -> peak memory


# -- discovery --------------------------------------------------------------------------------


def discover(inputs: Iterable[str | Path], out: str | Path) -> Discovery:
    """Turn command-line inputs into jobs, in a deterministic order.

    Parameters
    ----------
    inputs : paths
        Submission files, folders of submissions, Gradescope export zips or folders.
    out : path
        The output folder; an export zip is unpacked into ``out/.exports/``.

    Raises
    ------
    BatchInputError
        If an input does not exist or is neither a folder nor a ``.py``/``.ipynb``/``.zip``.
    """
    found = Discovery()
    raw: list[tuple[str, Job]] = []  # (wanted key, job with a placeholder key)
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            export = _find_metadata(path)
            if export is not None:
                raw += _export_folder_jobs(export.parent, str(path))
            else:
                raw += _folder_jobs(path, found, Path(out) / EXPORTS_DIR)
            if not _holds_interpreter(path):
                found.hide.append(str(path.resolve()))
        elif path.is_file():
            if path.suffix.lower() == ".zip" and _zip_metadata_member(path) is not None:
                raw += _export_zip_jobs(path, Path(out) / EXPORTS_DIR)
                found.hide.append(str(path.resolve()))
            elif path.suffix.lower() in SUBMISSION_SUFFIXES:
                raw.append((path.stem, Job("", str(path), str(path))))
            else:
                raise BatchInputError(f"{path}: not a .py, .ipynb or .zip file, nor a folder")
        else:
            raise BatchInputError(f"{path}: no such file or folder")
    keys = unique_keys([wanted for wanted, _ in raw])
    found.jobs = [_with_key(job, key) for key, (_, job) in zip(keys, raw, strict=True)]
    return found


def _with_key(job: Job, key: str) -> Job:
    return Job(key, job.path, job.origin, job.problem, job.submission_id, job.submitters)


def unique_keys(wanted: list[str]) -> list[str]:
    """Safe, unique folder names: odd characters become ``_``; repeats get ``-2``, ``-3``..."""
    seen: set[str] = set()
    keys = []
    for name in wanted:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "submission"
        if base.lower() in RESERVED:  # the batch's own files live next to the folders
            base += "_"
        key, n = base, 1
        while key.lower() in seen:  # case-insensitive: the output may be on macOS or Windows
            n += 1
            key = f"{base}-{n}"
        seen.add(key.lower())
        keys.append(key)
    return keys


def _holds_interpreter(path: Path) -> bool:
    """Hiding a folder that holds Python itself from the sandbox would stop the child."""
    prefix = os.path.realpath(sys.prefix)
    real = os.path.realpath(path)
    return prefix == real or prefix.startswith(real + os.sep)


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "__pycache__", "__MACOSX"))


def _folder_jobs(folder: Path, found: Discovery, exports: Path) -> list[tuple[str, Job]]:
    """A folder of submissions: each gradable file, and each subfolder, is one submission.

    A Gradescope export zip in it counts as all the submissions it holds.  Links are never
    followed: a linked entry is a submission that fails with the reason.
    """
    jobs = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not _visible(entry):
            continue
        if entry.is_symlink():
            why = f"{entry.name} is a symbolic link, which the grader never follows"
            jobs.append((entry.stem, Job("", None, str(entry), why)))
        elif entry.is_dir():
            picked, problem = pick_submission_file(entry)
            path = str(picked) if picked else None
            origin = str(picked) if picked else str(entry)
            jobs.append((entry.name, Job("", path, origin, problem)))
        elif entry.suffix.lower() == ".zip" and _zip_metadata_member(entry) is not None:
            jobs += _export_zip_jobs(entry, exports)
        elif entry.suffix.lower() in SUBMISSION_SUFFIXES:
            jobs.append((entry.stem, Job("", str(entry), str(entry))))
        else:
            found.skipped.append(str(entry))
    return jobs


def pick_submission_file(folder: Path) -> tuple[Path | None, str]:
    """The file Otter would grade in a submission folder, or None and the reason.

    The same rule as on Gradescope (``upload.pick``): the one ``*.ipynb``, else the one
    ``*.py`` other than ``__init__.py``, else the one ``.zip``, in whatever subfolder.
    """
    return pick(folder)


# -- Gradescope exports -----------------------------------------------------------------------


def _find_metadata(folder: Path) -> Path | None:
    """``submission_metadata.yml`` at the top of the folder, or one level down (unzipped)."""
    top = folder / METADATA_FILE
    if top.is_file():
        return top
    below = sorted(folder.glob(f"*/{METADATA_FILE}"))
    below = [p for p in below if _visible(p.parent)]
    return below[0] if len(below) == 1 else None


def _zip_metadata_member(path: Path) -> str | None:
    """The metadata member of a Gradescope export zip (at depth 0 or 1), else None."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if PurePosixPath(n).name == METADATA_FILE]
    except Exception:  # not a zip, or one zipfile cannot read (names, damage): a submission
        return None
    names = sorted(n for n in names if len(PurePosixPath(n).parts) <= 2 and _posix_ok(n))
    return names[0] if names else None


def _posix_ok(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        bool(parts) and not name.startswith("/") and ".." not in parts and "__MACOSX" not in parts
    )


def load_metadata(text: str | bytes) -> dict[str, dict[str, Any]]:
    """Parse Gradescope's ``submission_metadata.yml`` into {folder: {id, submitters}}.

    The file is YAML written by Ruby: keys are symbols (``:submitters:``) and some values may
    carry Ruby tags (``!ruby/object:BigDecimal``), read here as plain values.
    """
    import yaml  # PyYAML: already installed, otter-grader depends on it

    class Loader(yaml.SafeLoader):
        pass

    def plain(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", plain)
    data = yaml.load(text, Loader=Loader)  # a SafeLoader: builds plain data only
    if not isinstance(data, dict):
        raise BatchInputError(f"{METADATA_FILE}: expected a mapping of submission folders")
    out: dict[str, dict[str, Any]] = {}
    for folder, entry in data.items():
        folder = str(folder)
        if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", folder):
            continue  # not a folder name Gradescope makes; never a path we would follow
        entry = entry if isinstance(entry, dict) else {}
        people = []
        for person in _get(entry, "submitters") or []:
            if isinstance(person, dict):
                people.append(
                    Submitter(
                        name=_text(_get(person, "name")),
                        email=_text(_get(person, "email")),
                        sid=_text(_get(person, "sid")),
                    )
                )
        match = re.fullmatch(r"submission_(\d+)", folder)
        sub_id = match.group(1) if match else _text(_get(entry, "id")) or None
        out[folder] = {"id": sub_id, "submitters": tuple(people)}
    return out


def _get(mapping: dict[Any, Any], key: str) -> Any:
    """Ruby symbol keys (``:name``) as Gradescope writes them, or plain ones."""
    return mapping.get(f":{key}", mapping.get(key))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _export_folder_jobs(root: Path, origin: str) -> list[tuple[str, Job]]:
    """An unpacked export: one job per folder named in the metadata (and per extra folder)."""
    metadata = load_metadata((root / METADATA_FILE).read_bytes())
    folders = {p.name for p in root.iterdir() if p.is_dir() and _visible(p)}
    jobs = []
    for name in sorted(folders | set(metadata)):
        meta = metadata.get(name) or _meta_from_name(name)
        folder = root / name
        if folder.is_dir():
            picked, problem = pick_submission_file(folder)
        else:
            picked, problem = None, "the export has no files for this submission"
        where = f"{origin}/{name}" + (f"/{picked.name}" if picked else "")
        job = Job(
            "",
            str(picked) if picked else None,
            where,
            problem,
            meta["id"],
            meta["submitters"],
        )
        jobs.append((name, job))
    return jobs


def _meta_from_name(folder: str) -> dict[str, Any]:
    match = re.fullmatch(r"submission_(\d+)", folder)
    return {"id": match.group(1) if match else None, "submitters": ()}


def _export_zip_jobs(path: Path, exports: Path) -> list[tuple[str, Job]]:
    """Unpack what grading needs from an export zip, then treat it as an unpacked export.

    The files of each submission folder are written (in subfolders too, a few levels deep),
    under names checked to stay inside ``exports``.
    """
    member = _zip_metadata_member(path)
    assert member is not None
    prefix = str(PurePosixPath(member).parent)
    prefix = "" if prefix == "." else prefix + "/"
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    dest = exports / f"{unique_keys([path.stem])[0]}-{digest}"
    if dest.exists():
        shutil.rmtree(dest)  # the zip may have changed: never grade stale files
    dest.mkdir(parents=True)
    with zipfile.ZipFile(path) as zf:
        (dest / METADATA_FILE).write_bytes(zf.read(member))
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or not name.startswith(prefix) or not _posix_ok(name):
                continue
            parts = PurePosixPath(name[len(prefix) :]).parts
            if not 2 <= len(parts) <= 2 + MAX_DEPTH:  # files in subfolders count, as on Gradescope
                continue
            if not all(re.fullmatch(r"[^/\\\x00]+", p) and p not in (".", "..") for p in parts):
                continue
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue
            filename = parts[-1]
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:  # one byte past the limit is enough to refuse it
                with zf.open(info) as src:
                    target.write_bytes(src.read(MAX_FILE_BYTES + 1))
            except Exception as exc:  # a damaged member costs only its own submission
                target.unlink(missing_ok=True)
                (target.parent / f".unreadable-{filename}.txt").write_text(str(exc)[:500])
    return _export_folder_jobs(dest, str(path))


# -- resuming ---------------------------------------------------------------------------------


def grader_fingerprint() -> str:
    """Changes whenever a grade could: the package's code, the suites, the config, the secret."""
    from .grader import derive_seed

    digest = hashlib.sha256(__version__.encode())
    files = sorted(p for p in paths.PACKAGE_DIR.rglob("*.py") if p.name not in NOT_GRADING)
    root = paths.root()
    files += sorted((root / "tests" / "public").glob("*.py"))
    files += sorted((root / "tests" / "hidden").glob("*.py"))
    files += [root / "solutions" / "reference.py"]
    for file in files:
        with contextlib.suppress(OSError):
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    digest.update(_grading_config(root / "otter_config.json") + b"\0")
    # the secret itself never enters a record, only a seed derived from it
    digest.update(str(derive_seed("cnn-backprop batch fingerprint")).encode())
    return digest.hexdigest()[:16]


def _grading_config(path: Path) -> bytes:
    """otter_config.json, canonical and without the settings that only shape the report."""
    try:
        data = path.read_bytes()
    except OSError:
        return b"unreadable"
    try:
        otter = json.loads(data)
    except ValueError:
        return data
    block = config.plugin_block(otter) if isinstance(otter, dict) else None
    if isinstance(block, dict):
        for key in NOT_GRADING_SETTINGS:
            block.pop(key, None)  # the block is a part of ``otter``: edits it in place
    return json.dumps(otter, sort_keys=True).encode()


def content_hash(job: Job) -> str:
    """What a record is valid for: the bytes graded (or the reason nothing could be)."""
    digest = hashlib.sha256()
    if job.path is None:
        digest.update(b"problem\0" + job.problem.encode())
    else:
        try:  # never through a link
            fd = os.open(job.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            digest.update(f"unreadable\0{exc}".encode())
    return digest.hexdigest()


def read_record(folder: Path) -> dict[str, Any] | None:
    """The record of an earlier grading, if there is a complete one."""
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return None
    return record if (folder / RESULTS_FILE).is_file() else None


def _still_valid(record: dict[str, Any] | None, job: Job, digest: str, want: dict) -> bool:
    return (
        record is not None
        and record.get("content_sha256") == digest
        and record.get("submission_id") == job.submission_id
        and record.get("fingerprint") == want["fingerprint"]
        and record.get("seed_override") == want["seed"]
    )


def write_json_atomic(data: Any, path: Path) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True, allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- grading one submission (runs in a worker process) ----------------------------------------


def _init_worker(root: str) -> None:
    """A spawned worker reads the same reference and suites as the parent."""
    paths.use_root(Path(root))


def grade_job(job: Job, digest: str, settings: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """Grade one job, write its results.json then its record; return (record, memory stats)."""
    from .grader import grade_file, ungradable, write_results

    folder = Path(settings["out"]) / job.key
    if job.path is None:
        outcome = ungradable(job.key, job.problem, seed=settings["seed"])
    else:
        metadata = {"id": job.submission_id} if job.submission_id else None
        outcome = grade_file(
            job.path, seed=settings["seed"], metadata=metadata, hide=tuple(settings["hide"])
        )
    write_results(outcome.results, folder / RESULTS_FILE)
    record = {
        "format": RECORD_FORMAT,
        "key": job.key,
        "origin": job.origin,
        "file": outcome.name,
        "submission_id": job.submission_id,
        "submitters": [vars(s) for s in job.submitters],
        "content_sha256": digest,
        "fingerprint": settings["fingerprint"],
        "seed_override": settings["seed"],
        "status": outcome.status,
        "scores": {q: outcome.scores.get(q, 0.0) for q in QUESTIONS},
        "possible": {q: outcome.possible.get(q, 0.0) for q in QUESTIONS},
        "total": round(outcome.total, 5),
        "seed": outcome.seed,
        "seconds": round(outcome.seconds, 3),
        "notes": str(outcome.results.get("output", ""))[:2000],
        "sandbox": outcome.sandbox,
        "cases": case_records(outcome),
        "flags": [flag.as_record() for flag in outcome.flags],
    }
    if outcome.status == "grader-error":
        tests = outcome.results.get("tests") or [{}]
        record["notes"] = str(tests[0].get("output", ""))[:2000]
    write_json_atomic(record, folder / RECORD_FILE)  # last: a record means a finished grade
    return record, _memory_stats()


def case_records(outcome: Any) -> list[dict[str, Any]]:
    """Each case's pass/fail from Otter's results, as plain data for the class report."""
    graded = outcome.grading_results
    if graded is None:
        return []
    cases = []
    for question in QUESTIONS:
        tf = graded.results.get(question)
        for result in getattr(tf, "test_case_results", None) or []:
            tc = result.test_case
            message = str(result.message)
            # "❌ <case>: <message>": keep only the message
            head = f"{tc.name}: "
            _, _, rest = message.partition(head)
            cases.append(
                {
                    "question": question,
                    "case": tc.name,
                    "hidden": bool(tc.hidden),
                    "points": float(tc.points or 0),
                    "passed": bool(result.passed),
                    "message": "" if result.passed else (rest or message)[:MESSAGE_CHARS],
                    # the diagnosis' cause keys, as data (never parsed from the message)
                    "causes": [] if result.passed else list(getattr(result, "causes", ())),
                }
            )
    return cases


def _memory_stats() -> dict[str, int]:
    """Peak memory of this worker and of the sandbox children it ran, in KiB."""
    stats = {"pid": os.getpid(), "worker_peak_kib": 0, "child_peak_kib": 0}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    stats["worker_peak_kib"] = int(line.split()[1])
    except (OSError, ValueError):
        stats["worker_peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats["child_peak_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return stats


def _failed_record(job: Job, digest: str, settings: dict[str, Any], why: str) -> dict[str, Any]:
    """When a worker process itself died on a submission: a zero with the reason."""
    from .grader import grader_error_results, write_results

    folder = Path(settings["out"]) / job.key
    results = grader_error_results(why)
    write_results(results, folder / RESULTS_FILE)
    record = {
        "format": RECORD_FORMAT,
        "key": job.key,
        "origin": job.origin,
        "file": Path(job.path).name if job.path else job.key,
        "submission_id": job.submission_id,
        "submitters": [vars(s) for s in job.submitters],
        "content_sha256": digest,
        "fingerprint": settings["fingerprint"],
        "seed_override": settings["seed"],
        "status": "grader-error",
        "scores": {q: 0.0 for q in QUESTIONS},
        "possible": {},
        "total": 0.0,
        "seed": None,
        "seconds": 0.0,
        "notes": why,
        "cases": [],
        "flags": [],
    }
    write_json_atomic(record, folder / RECORD_FILE)
    return record


# -- the batch --------------------------------------------------------------------------------


def default_workers() -> int:
    """The cores this process may use (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def grade_batch(
    jobs: list[Job],
    out: str | Path,
    *,
    workers: int | None = None,
    seed: int | None = None,
    force: bool = False,
    hide: Iterable[str] = (),
    progress: Progress | None = None,
) -> BatchResult:
    """Grade ``jobs`` into ``out``, reusing every still-valid earlier result.

    Parameters
    ----------
    jobs : list of Job
        From ``discover``; keys must be unique.
    out : path
        Output folder: ``out/<key>/results.json`` and ``out/<key>/record.json``.
    workers : int, optional
        Grading processes (default: the machine's cores); 1 grades in this process.
    seed : int, optional
        One seed for every submission (to reproduce a grade); default: per submission.
    force : bool
        Grade everything again, ignoring earlier results.
    hide : paths
        Extra paths the submissions must not see (the output folder is always hidden).
    progress : Progress, optional
        Told about every finished submission.
    """
    started = time.monotonic()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, workers or default_workers())
    settings = {
        "out": str(out),
        "seed": seed,
        "fingerprint": grader_fingerprint(),
        "hide": sorted({str(out), *hide}),
    }
    records: dict[str, dict[str, Any]] = {}
    pending: list[tuple[Job, str]] = []
    for job in jobs:
        digest = content_hash(job)
        record = None if force else read_record(out / job.key)
        if _still_valid(record, job, digest, settings):
            assert record is not None
            records[job.key] = _refresh_identity(record, job, out)
        else:
            pending.append((job, digest))
    reused = sorted(records)
    if progress:
        progress.start(len(jobs), len(reused))
    stats: dict[int, dict[str, int]] = {}
    graded: list[str] = []

    def finished(record: dict[str, Any], memory: dict[str, int] | None) -> None:
        records[record["key"]] = record
        graded.append(record["key"])
        if memory:
            stats[memory["pid"]] = memory
        if progress:
            progress.advance(record)

    used = min(workers, len(pending))
    if used <= 1:
        for job, digest in pending:
            finished(*grade_job(job, digest, settings))
    else:
        _grade_in_pool(pending, settings, used, finished)
    if progress:
        progress.finish()
    return BatchResult(
        records=[records[k] for k in sorted(records)],
        graded=sorted(graded),
        reused=reused,
        seconds=time.monotonic() - started,
        workers=max(used, 1),
        worker_stats=stats,
    )


def _refresh_identity(record: dict[str, Any], job: Job, out: Path) -> dict[str, Any]:
    """Names and e-mails may be corrected in Gradescope after grading: keep the latest."""
    people = [vars(s) for s in job.submitters]
    if record.get("submitters") != people or record.get("origin") != job.origin:
        record = {**record, "submitters": people, "origin": job.origin}
        write_json_atomic(record, out / job.key / RECORD_FILE)
    return record


def _grade_in_pool(
    pending: list[tuple[Job, str]],
    settings: dict[str, Any],
    workers: int,
    finished: Callable[[dict[str, Any], dict[str, int] | None], None],
) -> None:
    """Grade in worker processes, at most one submission per worker in flight.

    Handing out work one submission at a time means Ctrl-C leaves nothing queued in the
    workers (each finishes or abandons only its current one).  A worker that dies breaks the
    pool: the submissions in flight are retried in a new pool, and one in flight at two
    breakages gets a grader-error record instead.
    """
    # spawn: a worker starts clean (no copy of the parent's state or threads) on every platform
    context = multiprocessing.get_context("spawn")
    queue = list(pending)
    strikes: dict[str, int] = {}
    stalls = 0
    while queue:
        if stalls >= 3:  # worker processes cannot even start: give up on what is left
            for job, digest in queue:
                why = "no grading process could be started for this submission"
                finished(_failed_record(job, digest, settings, why), None)
            return
        before = len(queue)
        broken: list[tuple[Job, str]] = []
        in_flight: dict[Future, tuple[Job, str]] = {}
        with ProcessPoolExecutor(
            max_workers=min(workers, len(queue)),
            mp_context=context,
            initializer=_init_worker,
            initargs=(str(paths.root()),),
        ) as pool:
            try:
                while (queue or in_flight) and not broken:
                    while queue and len(in_flight) < workers:
                        job, digest = queue.pop(0)
                        try:
                            future = pool.submit(grade_job, job, digest, settings)
                        except BrokenProcessPool:
                            queue.insert(0, (job, digest))
                            break
                        in_flight[future] = (job, digest)
                    if not in_flight:
                        break  # the pool broke before anything could be handed out
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=lambda f: in_flight[f][0].key):
                        job, digest = in_flight.pop(future)
                        try:
                            finished(*future.result())
                        except BrokenProcessPool:
                            broken.append((job, digest))
                        except Exception as exc:  # a bug of ours in the worker: say so, go on
                            why = f"{type(exc).__name__}: {exc}"
                            finished(_failed_record(job, digest, settings, why), None)
                if broken or in_flight:  # the pool broke: the others in flight died with it
                    wait(in_flight)
                    broken += in_flight.values()
            except BaseException:  # Ctrl-C: hand out nothing more; the workers stop
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        retry = []
        for job, digest in sorted(broken, key=lambda item: item[0].key):
            strikes[job.key] = strikes.get(job.key, 0) + 1
            if strikes[job.key] >= 2:
                why = "the grading process died while grading this submission"
                finished(_failed_record(job, digest, settings, why), None)
            else:
                retry.append((job, digest))
        queue = retry + queue
        stalls = stalls + 1 if len(queue) >= before else 0


# -- progress ---------------------------------------------------------------------------------


class Progress:
    """A progress bar with an ETA on a terminal; one plain line per submission otherwise.

    Parameters
    ----------
    stream : text stream
        Where to write (standard error by default, so stdout stays clean for tables).
    bar : bool, optional
        Force the bar on or off; by default, on when ``stream`` is a terminal.
    """

    def __init__(self, stream: IO[str] | None = None, bar: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.total = self.done = self.fresh = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def start(self, total: int, reused: int) -> None:
        self.total, self.done, self.fresh = total, reused, 0
        self.started = time.monotonic()
        if reused:
            self._line(
                f"{reused} of {total} submission(s) already graded and unchanged: kept "
                "(--force grades them again)"
            )
        if self.bar:
            self._draw(force=True)

    def advance(self, record: dict[str, Any]) -> None:
        self.done += 1
        self.fresh += 1
        if self.bar:
            self._draw(force=self.done == self.total)
            return
        width = len(str(self.total))
        possible = sum(record.get("possible", {}).values()) or 0
        self._line(
            f"[{self.done:>{width}}/{self.total}] {record['key']}  "
            f"{record['total']:g}/{possible:g}  {record['status']}  "
            f"{record['seconds']:.2f} s  eta {self._eta()}"
        )

    def finish(self) -> None:
        if self.bar:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def _eta(self) -> str:
        left = self.total - self.done
        if left <= 0:
            return "0:00"
        if self.fresh == 0:
            return "--:--"
        seconds = round((time.monotonic() - self.started) / self.fresh * left)
        return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h"

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        percent = 100 * self.done // self.total if self.total else 100
        elapsed = now - self.started
        rate = f"{self.fresh / elapsed:.1f}/s" if elapsed > 0 and self.fresh else "   -/s"
        line = (
            f"grading [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"{percent:3d}%  {rate}  eta {self._eta()}"
        )
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()

    def _line(self, text: str) -> None:
        if self.bar:
            text = "\r\x1b[K" + text
        self.stream.write(text + "\n")
        self.stream.flush()


# -- grades.csv -------------------------------------------------------------------------------


def grades_rows(records: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """grades.csv's header and rows: one row per student (per submission when unknown).

    Sorted, with no timings, so that the same grades always give the same bytes.
    """
    identified = any(r.get("submitters") or r.get("submission_id") for r in records)
    header = ["submission"]
    if identified:
        header += ["submission_id", "name", "email", "sid"]
    header += [*QUESTIONS, "total", "seed", "status", "flags"]
    rows = []
    for record in records:
        scores = [_number(record.get("scores", {}).get(q, 0)) for q in QUESTIONS]
        tail = [
            *scores,
            _number(record.get("total", 0)),
            "" if record.get("seed") is None else str(record["seed"]),
            str(record.get("status", "")),
            flags_cell(record),
        ]
        people = record.get("submitters") or [{}]
        for person in people:
            row = [csv_cell(record["key"])]
            if identified:
                row += [
                    csv_cell(record.get("submission_id") or ""),
                    csv_cell(person.get("name", "")),
                    csv_cell(person.get("email", "")),
                    csv_cell(person.get("sid", "")),
                ]
            rows.append(row + tail)
    rows.sort()
    return header, rows


def flags_cell(record: dict[str, Any]) -> str:
    """grades.csv's ``flags``: ``not-derived:conv1d_backward_w;...`` ('' when none)."""
    labels = []
    for flag in record.get("flags") or []:
        if isinstance(flag, dict) and flag.get("kind") and flag.get("function"):
            labels.append(f"{flag['kind']}:{flag['function']}")
    return ";".join(sorted(set(labels)))


def _number(value: Any) -> str:
    return f"{float(value):g}"


def csv_cell(text: str) -> str:
    """Text from students (names, file names) must not become a spreadsheet formula."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_grades_csv(records: list[dict[str, Any]], path: str | Path) -> Path:
    """Write grades.csv atomically."""
    path = Path(path)
    header, rows = grades_rows(records)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".grades-", suffix=".csv")
    with os.fdopen(fd, "w", newline="", encoding="utf-8", errors="replace") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(tmp, path)
    return path
