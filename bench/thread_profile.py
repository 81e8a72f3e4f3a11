"""Profile every thread of a connector run with cProfile (the CDK reads in worker threads).

    python -m bench.thread_profile OUT.prof read --config ... --catalog ...

pyinstrument samples one thread, the main one, which writes messages; the records are read,
filtered and turned into `Record`s in the worker threads. This runs `source-bill` with a
deterministic profiler in each thread, timed by the thread's own CPU clock (time a thread waits for
a lock, the network or the GIL is not counted), and writes the merged statistics to OUT.prof
(pstats), and the top functions by own time and by cumulative time to OUT.txt. cProfile slows the
process down about twofold, most for the smallest functions: read the shares, not the seconds.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import sys
import threading
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    thread_run = threading.Thread.run

    def profiled_run(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append(profile)
        profile.enable()
        try:
            thread_run(self)
        finally:
            profile.disable()

    threading.Thread.run = profiled_run  # type: ignore[method-assign]
    sys.argv = ["source-bill", *argv[1:]]
    main_profile = cProfile.Profile(time.thread_time)
    code = 0
    main_profile.enable()
    try:
        from source_bill.run import run

        run()
    except SystemExit as exit_:
        code = int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    finally:
        main_profile.disable()
        stats = pstats.Stats(main_profile)
        with lock:
            for profile in profiles:
                with contextlib.suppress(TypeError):  # a thread still running, its profile empty
                    stats.add(profile)
        stats.dump_stats(str(out))
        text = io.StringIO()
        report = pstats.Stats(str(out), stream=text)
        report.sort_stats("tottime").print_stats(45)
        report.sort_stats("cumulative").print_stats(80)
        report.sort_stats("tottime").print_callers(12)
        out.with_suffix(".txt").write_text(text.getvalue())
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
