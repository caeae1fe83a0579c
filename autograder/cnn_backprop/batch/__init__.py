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

from ..records import FORMAT as RECORD_FORMAT
from .discovery import discover, pick_submission_file
from .exports import load_metadata
from .grades import csv_cell, grades_rows, write_grades_csv
from .jobs import (
    EXPORTS_DIR,
    METADATA_FILE,
    RECORD_FILE,
    RESERVED,
    RESULTS_FILE,
    BatchInputError,
    BatchResult,
    Discovery,
    Job,
    Submitter,
    unique_keys,
)
from .progress import Progress
from .resume import content_hash, grader_fingerprint, read_record
from .runner import default_workers, grade_batch, grade_job

__all__ = [
    "EXPORTS_DIR",
    "METADATA_FILE",
    "RECORD_FILE",
    "RECORD_FORMAT",
    "RESERVED",
    "RESULTS_FILE",
    "BatchInputError",
    "BatchResult",
    "Discovery",
    "Job",
    "Progress",
    "Submitter",
    "content_hash",
    "csv_cell",
    "default_workers",
    "discover",
    "grade_batch",
    "grade_job",
    "grader_fingerprint",
    "grades_rows",
    "load_metadata",
    "pick_submission_file",
    "read_record",
    "unique_keys",
    "write_grades_csv",
]
