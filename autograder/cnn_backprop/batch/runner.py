"""Grading a batch: in this process or in worker processes, each leaving its records."""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_json
from ..records import Record
from .jobs import RECORD_FILE, RESULTS_FILE, BatchResult, Job
from .progress import Progress
from .resume import content_hash, grader_fingerprint, read_record, still_valid

if TYPE_CHECKING:
    from ..course import Course

# -- grading one submission (runs in a worker process) ----------------------------------------


_COURSE: Course | None = None  # a worker process's course, built once when it starts


def _init_worker(root: str) -> None:
    """A spawned worker builds the same course as the parent (once, for all its jobs)."""
    global _COURSE
    from ..course import load

    _COURSE = load(Path(root))


def _grade_in_worker(
    job: Job, digest: str, settings: dict[str, Any]
) -> tuple[Record, dict[str, int]]:
    assert _COURSE is not None, "the pool's initializer builds the course"
    return grade_job(_COURSE, job, digest, settings)


def grade_job(
    course: Course, job: Job, digest: str, settings: dict[str, Any]
) -> tuple[Record, dict[str, int]]:
    """Grade one job, write its results.json then its record; return (record, memory stats)."""
    from ..grader import grade_file, ungradable, write_results

    folder = Path(settings["out"]) / job.key
    if job.path is None:
        outcome = ungradable(course, job.key, job.problem, seed=settings["seed"])
    else:
        metadata = {"id": job.submission_id} if job.submission_id else None
        outcome = grade_file(
            job.path, course, seed=settings["seed"], metadata=metadata, hide=tuple(settings["hide"])
        )
    write_results(outcome.results, folder / RESULTS_FILE)
    record = _provenance(outcome.record, job, digest, settings)
    write_json(record.to_json(), folder / RECORD_FILE)  # last: a record means a finished grade
    return record, _memory_stats()


def _provenance(record: Record, job: Job, digest: str, settings: dict[str, Any]) -> Record:
    """The record, with where the submission came from and what its grade is valid for."""
    return replace(
        record,
        key=job.key,
        origin=job.origin,
        submission_id=job.submission_id,
        submitters=job.submitters,
        content_sha256=digest,
        fingerprint=settings["fingerprint"],
        seed_override=settings["seed"],
    )


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


def _failed_record(
    course: Course, job: Job, digest: str, settings: dict[str, Any], why: str
) -> Record:
    """When a worker process itself died on a submission: a zero with the reason."""
    from ..grader import grader_error_results, write_results

    folder = Path(settings["out"]) / job.key
    write_results(grader_error_results(why), folder / RESULTS_FILE)
    name = Path(job.path).name if job.path else job.key
    failed = Record(
        key=job.key, file=name, status="grader-error", scores=dict.fromkeys(course.names, 0.0)
    )
    record = _provenance(replace(failed, notes=why), job, digest, settings)
    write_json(record.to_json(), folder / RECORD_FILE)
    return record


# -- the batch --------------------------------------------------------------------------------


def default_workers() -> int:
    """The cores this process may use (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def grade_batch(
    course: Course,
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
    course : Course
        What to grade against (its suites, configuration and secret).
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
        "fingerprint": grader_fingerprint(course),
        "hide": sorted({str(out), *hide}),
    }
    records, pending = _reusable(jobs, out, settings, force)
    reused = sorted(records)
    if progress:
        progress.start(len(jobs), len(reused))
    stats: dict[int, dict[str, int]] = {}
    graded: list[str] = []

    def finished(record: Record, memory: dict[str, int] | None) -> None:
        records[record.key] = record
        graded.append(record.key)
        if memory:
            stats[memory["pid"]] = memory
        if progress:
            progress.advance(record)

    used = min(workers, len(pending))
    if used <= 1:
        for job, digest in pending:
            finished(*grade_job(course, job, digest, settings))
    else:
        _grade_in_pool(course, pending, settings, used, finished)
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


def _reusable(
    jobs: list[Job], out: Path, settings: dict[str, Any], force: bool
) -> tuple[dict[str, Record], list[tuple[Job, str]]]:
    """The still-valid earlier records by key, and the jobs to grade (with their hashes)."""
    records: dict[str, Record] = {}
    pending: list[tuple[Job, str]] = []
    for job in jobs:
        digest = content_hash(job)
        record = None if force else read_record(out / job.key)
        if still_valid(record, job, digest, settings):
            assert record is not None
            records[job.key] = _refresh_identity(record, job, out)
        else:
            pending.append((job, digest))
    return records, pending


def _refresh_identity(record: Record, job: Job, out: Path) -> Record:
    """Names and e-mails may be corrected in Gradescope after grading: keep the latest."""
    if record.submitters != job.submitters or record.origin != job.origin:
        record = replace(record, submitters=job.submitters, origin=job.origin)
        write_json(record.to_json(), out / job.key / RECORD_FILE)
    return record


def _grade_in_pool(
    course: Course,
    pending: list[tuple[Job, str]],
    settings: dict[str, Any],
    workers: int,
    finished: Callable[[Record, dict[str, int] | None], None],
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
                finished(_failed_record(course, job, digest, settings, why), None)
            return
        before = len(queue)
        broken = _pool_round(course, queue, settings, workers, finished, context)
        retry = []
        for job, digest in sorted(broken, key=lambda item: item[0].key):
            strikes[job.key] = strikes.get(job.key, 0) + 1
            if strikes[job.key] >= 2:
                why = "the grading process died while grading this submission"
                finished(_failed_record(course, job, digest, settings, why), None)
            else:
                retry.append((job, digest))
        queue = retry + queue
        stalls = stalls + 1 if len(queue) >= before else 0


def _pool_round(
    course: Course,
    queue: list[tuple[Job, str]],
    settings: dict[str, Any],
    workers: int,
    finished: Callable[[Record, dict[str, int] | None], None],
    context: Any,
) -> list[tuple[Job, str]]:
    """One pool's life: hand out ``queue`` (consumed in place) until it is empty or the pool
    breaks; return the submissions that were in flight when it broke."""
    broken: list[tuple[Job, str]] = []
    in_flight: dict[Future, tuple[Job, str]] = {}
    with ProcessPoolExecutor(
        max_workers=min(workers, len(queue)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(str(course.root),),
    ) as pool:
        try:
            while (queue or in_flight) and not broken:
                while queue and len(in_flight) < workers:
                    job, digest = queue.pop(0)
                    try:
                        future = pool.submit(_grade_in_worker, job, digest, settings)
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
                        finished(_failed_record(course, job, digest, settings, why), None)
            if broken or in_flight:  # the pool broke: the others in flight died with it
                wait(in_flight)
                broken += in_flight.values()
        except BaseException:  # Ctrl-C: hand out nothing more; the workers stop
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return broken
