"""Progress of a pipeline run in stock-days: done, rate, ETA, on one line of an 80-column terminal.

The counts come from the scheduler: :class:`ObservedScheduler` wraps whichever scheduler the run
uses (in-process or trund) and counts a step's stock-days when its ``run()`` is reported done;
whatever the walk did not schedule was valid before the run. The numbers are the same whether steps
run in local processes or on Dask.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

DONE = "DONE"


def duration(seconds: float) -> str:
    """``45s``, ``12m05s``, ``5h37m``: short and readable."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s // 60 % 60:02d}m"


class Progress:
    """Counts stock-days; :meth:`line` renders them (at most 80 characters). The rate counts the
    stock-days this run computed, from the end of the graph walk."""

    def __init__(self, weights: dict[str, int]):
        self.weights = weights  # step id -> stock-days it covers (the last layer's steps)
        self.total = sum(weights.values())
        self.already = 0  # valid before this run
        self.done = 0  # computed by this run
        self._counted: set[str] = set()
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self.walking = True

    def walked(self, pending: set[str]) -> None:
        """The graph walk is over: every counted step not `pending` was valid before this run (a
        step under a complete one is not even visited)."""
        with self._lock:
            self.walking = False
            self._counted = {sid for sid in self.weights if sid not in pending}
            self.already = sum(self.weights[sid] for sid in self._counted)
            self.started = time.monotonic()

    def step_done(self, step_id: str) -> None:
        n = self.weights.get(step_id)
        with self._lock:
            if n is None or self.walking or step_id in self._counted:
                return
            self._counted.add(step_id)
            self.done += n

    def line(self, final: bool = False) -> str:
        finished = self.already + self.done
        pct = 100.0 * finished / self.total if self.total else 100.0
        text = f"stock-days {finished:,}/{self.total:,} {pct:.1f}%"
        if self.already:
            text += f" ({self.already:,} valid before)"
        elapsed = time.monotonic() - self.started
        if finished == self.total and self.done:
            text += f"  {self.done / max(elapsed, 1e-9):.3g}/s  done in {duration(elapsed)}"
        elif final:
            text += f"  stopped, {self.total - finished:,} left"
        elif self.done and elapsed > 0:
            rate = self.done / elapsed
            left = self.total - finished
            text += f"  {rate:.3g}/s  ETA {duration(left / rate)}"
        else:
            text += f"  {duration(elapsed)}"
        return text[:80]


class ObservedScheduler:
    """A scheduler that tells a :class:`Progress` which steps became done; everything else is
    passed through unchanged."""

    def __init__(self, inner: Any, progress: Progress):
        self._inner, self._progress = inner, progress

    def add_step(self, step_id: str, status: str = "PENDING", *args: Any, **kwargs: Any) -> Any:
        result = self._inner.add_step(step_id, status, *args, **kwargs)
        if status == DONE:
            self._progress.step_done(step_id)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class ProgressPrinter:
    """Redraws the progress line on a terminal (twice a second), or prints it every `every` seconds
    to a file or pipe; always prints the final line."""

    def __init__(self, progress: Progress, out: TextIO | None = None, every: float = 10.0):
        self.progress, self.out = progress, out or sys.stderr
        self.tty = self.out.isatty()
        self.every = 0.5 if self.tty else every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pipeline-progress", daemon=True)

    def _show(self, final: bool = False) -> None:
        line = self.progress.line(final)
        if self.tty:
            self.out.write("\r" + line.ljust(79)[:79] + ("\n" if final else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._show()

    def __enter__(self) -> ProgressPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._show(final=True)
