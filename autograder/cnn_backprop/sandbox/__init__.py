"""The execution layer: student code runs in a child process, never beside the expected values.

``Sandbox`` (parent side) starts ``child.py`` in a fresh interpreter with resource limits and
whatever isolation the platform allows (``protections``: namespaces, Landlock, seccomp,
cgroups, a uid of its own), has it check what it can reach, sends it the submission's code
cells and then one call at a time (inputs only), and turns each reply back into a fresh
float64 ndarray after checking it.  The child never sees an expected value, and nothing it
sends is unpickled or trusted.
"""

from .errors import (
    Crashed,
    Interfered,
    IsolationRefused,
    NotRun,
    SubmissionError,
    TimedOut,
)
from .protections import LEVELS, Protections
from .replies import CallResult, LoadReport, Probe
from .session import Sandbox, detect_protections

__all__ = [
    "LEVELS",
    "CallResult",
    "Crashed",
    "Interfered",
    "IsolationRefused",
    "LoadReport",
    "NotRun",
    "Probe",
    "Protections",
    "Sandbox",
    "SubmissionError",
    "TimedOut",
    "detect_protections",
]
