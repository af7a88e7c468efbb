"""Progress output: one line per phase, a counter during the load."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_START = time.monotonic()


def phase(text: str) -> None:
    """Print one progress line, prefixed with the elapsed run time."""
    elapsed = time.monotonic() - _START
    print(f"[{elapsed:6.1f}s] {text}", flush=True)


class Counter:
    """A live 'done/total' counter: redrawn in place on a terminal.

    When the output is not a terminal (CI logs), it prints a line at every
    quarter instead, so logs stay short.
    """

    def __init__(self, label: str, total: int, stream: TextIO = sys.stdout) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.done = 0
        self.errors = 0
        self._tty = stream.isatty()
        self._last_draw = 0.0
        self._next_quarter = 1

    def tick(self, error: bool = False) -> None:
        """Count one finished message."""
        self.done += 1
        self.errors += int(error)
        if self._tty:
            if time.monotonic() - self._last_draw > 0.2 or self.done == self.total:
                self._draw("\r")
        elif self.done * 4 >= self._next_quarter * self.total:
            self._next_quarter += 1
            self._draw("")
            self.stream.write("\n")

    def close(self) -> None:
        """Finish the counter's line."""
        if self._tty:
            self._draw("\r")
            self.stream.write("\n")
        self.stream.flush()

    def _draw(self, prefix: str) -> None:
        self._last_draw = time.monotonic()
        self.stream.write(
            f"{prefix}           {self.label}: {self.done}/{self.total} messages"
            f", {self.errors} errors"
        )
        self.stream.flush()
