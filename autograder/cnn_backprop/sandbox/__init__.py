"""The execution layer: student code runs in a child process, never beside the expected values.

``Sandbox`` (parent side) starts ``child.py`` in a fresh interpreter with resource limits and
whatever isolation the platform allows, sends it the submission's code cells and then one call
at a time (inputs only), and turns each reply back into a fresh float64 ndarray after checking
it.  The child never sees an expected value, and nothing it sends is unpickled or trusted.
"""

from .protections import Protections, detect_protections
from .session import CallResult, LoadReport, Probe, Sandbox, SubmissionError

__all__ = [
    "CallResult",
    "LoadReport",
    "Probe",
    "Protections",
    "Sandbox",
    "SubmissionError",
    "detect_protections",
]
