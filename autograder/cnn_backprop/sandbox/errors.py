"""The sandbox's errors, as types: callers branch on the kind, never on the wording."""

from __future__ import annotations


class SetupError(Exception):
    """A protection could not be set up for the child; ``mechanism`` names which one."""

    def __init__(self, mechanism: str, detail: str) -> None:
        super().__init__(f"{mechanism}: {detail}")
        self.mechanism = mechanism
        self.detail = detail


class SubmissionError(Exception):
    """A call into the submission failed; the message is written for the student."""


class TimedOut(SubmissionError):
    """The call used up its time; the function's remaining calls are skipped."""


class Crashed(SubmissionError):
    """The child died during the call (os._exit, a signal, memory)."""


class Interfered(SubmissionError):
    """The child broke the protocol (forged, oversized or garbled messages)."""


class NotRun(SubmissionError):
    """The call was never made (budget used up, an earlier timeout, nothing to call)."""


class IsolationRefused(Exception):
    """The platform's protections fall below the course's ``min_isolation``: the submission
    was not run.  ``protections`` says what was measured."""

    def __init__(self, message: str, protections: object) -> None:
        super().__init__(message)
        self.protections = protections
