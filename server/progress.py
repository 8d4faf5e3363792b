"""A text progress bar on stderr for long CLI jobs (badge sheets, exports).

An instance is a ``progress(done, total)`` callback: ``badges_pdf(..., progress=ProgressBar())``.
"""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Draws ``label [#####.....] 120/350`` on a stream, stderr by default.

    On a terminal the bar is redrawn in place with a carriage return. When the stream is a file
    or a CI log, carriage returns would pile up into one unreadable line, so a line is written
    at the first call, at each further tenth of the job, and at the end: a dozen lines at most.
    """

    def __init__(self, label: str = "", *, width: int = 30, stream: TextIO | None = None) -> None:
        if width < 1:
            raise ValueError("width must be at least 1")
        self.label = label
        self.width = width
        # Resolved at each call, not here, so pytest's capsys and redirections made after the
        # bar is built still see the output.
        self._stream = stream
        self._last_tenth = -1
        self._finished = False

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def render(self, done: int, total: int) -> str:
        """The bar as text, without any line control characters."""
        done = max(0, min(done, total)) if total > 0 else 0
        cells = self.width if total <= 0 else done * self.width // total
        bar = "#" * cells + "." * (self.width - cells)
        prefix = f"{self.label} " if self.label else ""
        return f"{prefix}[{bar}] {done}/{total}"

    def __call__(self, done: int, total: int) -> None:
        if self._finished:
            return
        stream = self.stream
        text = self.render(done, total)
        complete = total <= 0 or done >= total
        tenth = 10 if total <= 0 else max(0, min(done, total)) * 10 // total
        if stream.isatty():
            stream.write("\r" + text + ("\n" if complete else ""))
        elif complete or tenth > self._last_tenth:
            stream.write(text + "\n")
        self._last_tenth = tenth
        self._finished = complete
        stream.flush()
