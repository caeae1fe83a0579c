"""The batch's progress: a bar with an ETA on a terminal, one line per submission otherwise."""

from __future__ import annotations

import sys
import time
from typing import IO

from ..records import Record


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

    def advance(self, record: Record) -> None:
        self.done += 1
        self.fresh += 1
        if self.bar:
            self._draw(force=self.done == self.total)
            return
        width = len(str(self.total))
        possible = sum(record.possible.values())
        self._line(
            f"[{self.done:>{width}}/{self.total}] {record.key}  "
            f"{record.total:g}/{possible:g}  {record.status}  "
            f"{record.seconds:.2f} s  eta {self._eta()}"
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
