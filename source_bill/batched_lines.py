"""A child's output, written a batch per reading thread instead of a line at a time.

Each organization thread of a child (`organization_processes.work`) writes its own messages. Written
a line at a time through the CDK's print buffer, ten threads took its lock once per record each,
and once the lock was contended it passed from thread to thread with the interpreter lock: one child
of `make bench` scenario 8 alone (ten organizations, 154,151 records, latency 0) made 575,000 thread
switches and spent 33 s of CPU; written a batch at a time, 139,000 to 144,000 and 17 to 22 s. The
whole scenario, three alternating runs each way: 29.7 to 34.3 s against 35.8 to 40.0 s.

A thread's batch is written when it holds `BATCH_CHARS`, when the thread says its lines end (its
organization's read has ended), and otherwise at most `FLUSH_SECONDS` after its first line, by a
flusher thread: an organization waiting on BILL (its next page, the next hour's budget) does not
hold back what it has read. One thread's lines stay in order: a batch is written under its own lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

#: Characters a thread's batch collects before it is written (some tens of BILL's records).
BATCH_CHARS = 1 << 16
#: Seconds a line waits at most before it is written (the CDK's print buffer flushes as often).
FLUSH_SECONDS = 0.1


class _Batch:
    """One thread's lines not yet written."""

    __slots__ = ("chars", "lines", "lock", "since")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lines: list[str] = []
        self.chars = 0
        self.since = 0.0


class BatchedLines:
    """Lines from many threads, written through `write` a batch per thread; `flush` pushes what was
    written on to its destination (after the flusher's writes). Use as a context manager: the
    flusher runs inside it, and every batch is written on the way out."""

    def __init__(
        self,
        write: Callable[[str], None],
        flush: Callable[[], None] = lambda: None,
        batch_chars: int = BATCH_CHARS,
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._flush = flush
        self._batch_chars = batch_chars
        self._flush_seconds = flush_seconds
        self._clock = clock
        self._local = threading.local()
        self._batches: list[_Batch] = []
        self._batches_lock = threading.Lock()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    def add(self, line: str, last: bool = False) -> None:
        """Add one line (with its newline) of this thread; `last`: write this thread's batch now."""
        batch = self._mine()
        with batch.lock:
            if not batch.lines:
                batch.since = self._clock()
            batch.lines.append(line)
            batch.chars += len(line)
            if last or batch.chars >= self._batch_chars:
                self._write_batch(batch)

    def flush_due(self) -> bool:
        """Write every batch whose first line has waited `flush_seconds`; True when any was."""
        due = self._clock() - self._flush_seconds
        wrote = False
        for batch in self._all():
            if batch.lines and batch.since <= due:
                with batch.lock:
                    wrote = self._write_batch(batch) or wrote
        return wrote

    def flush_all(self) -> None:
        for batch in self._all():
            with batch.lock:
                self._write_batch(batch)
        self._flush()

    def __enter__(self) -> BatchedLines:
        self._stop.clear()
        self._flusher = threading.Thread(target=self._flush_regularly, name="batched-lines", daemon=True)
        self._flusher.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
        self.flush_all()

    def _flush_regularly(self) -> None:
        while not self._stop.wait(self._flush_seconds / 2):
            if self.flush_due():
                self._flush()

    def _mine(self) -> _Batch:
        batch: _Batch | None = getattr(self._local, "batch", None)
        if batch is None:
            batch = self._local.batch = _Batch()
            with self._batches_lock:
                self._batches.append(batch)
        return batch

    def _all(self) -> list[_Batch]:
        with self._batches_lock:
            return list(self._batches)

    def _write_batch(self, batch: _Batch) -> bool:
        """Write the batch (its lock held); False when it was empty."""
        if not batch.lines:
            return False
        text = "".join(batch.lines)
        batch.lines.clear()
        batch.chars = 0
        self._write(text)
        return True
