"""A child's lines are written a batch per thread, in order, and none is held back for long."""

from __future__ import annotations

import threading
import time

from source_bill.batched_lines import BatchedLines


class Output:
    """Collects what is written, and counts the writes and flushes."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self.flushes = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            self.writes.append(text)

    def flush(self) -> None:
        self.flushes += 1

    def lines(self) -> list[str]:
        return "".join(self.writes).splitlines()


def test_given_many_lines_of_one_thread_when_added_then_they_are_written_in_batches_and_in_order() -> None:
    output = Output()
    with BatchedLines(output.write, output.flush, batch_chars=100, flush_seconds=60) as lines:
        for number in range(1_000):
            lines.add(f"line {number:04d}\n")
    assert output.lines() == [f"line {number:04d}" for number in range(1_000)]
    assert 1 < len(output.writes) <= 1_000 * 10 // 100 + 1  # about 100 characters a write, not a line
    assert output.flushes >= 1  # pushed on at the end


def test_given_the_last_line_of_a_read_when_added_then_its_batch_is_written_at_once() -> None:
    output = Output()
    with BatchedLines(output.write, flush_seconds=60) as lines:
        lines.add("record\n")
        assert output.writes == []
        lines.add("finished\n", last=True)
        assert output.writes == ["record\nfinished\n"]


def test_given_a_thread_that_goes_quiet_when_its_lines_wait_then_the_flusher_writes_them() -> None:
    output = Output()
    with BatchedLines(output.write, output.flush, flush_seconds=0.02) as lines:
        lines.add("state, then a long wait on BILL\n")
        deadline = time.monotonic() + 5
        while not output.writes and time.monotonic() < deadline:
            time.sleep(0.005)
        assert output.writes == ["state, then a long wait on BILL\n"]  # written while the context is open
        assert output.flushes >= 1


def test_given_a_batch_just_started_when_the_flusher_looks_then_it_waits_for_its_time() -> None:
    now = [100.0]
    output = Output()
    lines = BatchedLines(output.write, flush_seconds=0.1, clock=lambda: now[0])
    lines.add("fresh\n")
    assert lines.flush_due() is False and output.writes == []
    now[0] += 0.1
    assert lines.flush_due() is True and output.writes == ["fresh\n"]
    assert lines.flush_due() is False  # nothing left


def test_given_several_threads_when_they_add_lines_then_each_line_is_written_once_and_each_threads_in_order() -> (
    None
):
    output = Output()
    with BatchedLines(output.write, batch_chars=50, flush_seconds=0.001) as lines:

        def organization(name: str) -> None:
            for number in range(500):
                lines.add(f"{name} {number}\n")
            lines.add(f"{name} finished\n", last=True)

        threads = [threading.Thread(target=organization, args=(f"org{index}",)) for index in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    written = output.lines()
    assert len(written) == 6 * 501
    for index in range(6):
        own = [line for line in written if line.startswith(f"org{index} ")]
        assert own == [f"org{index} {number}" for number in range(500)] + [f"org{index} finished"]
