"""Measure the emulator's list throughput (`max=100` invoice pages, latency 0, limits off).

Uses `wrk` when it is installed (apt-get install wrk), else a Python keep-alive client (slower:
the client then competes with the server for the two cores).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import requests

from bill_emulator import EmulatorSettings, Limits, running_emulator


def main(seconds: int = 5) -> int:
    settings = EmulatorSettings(scale="small", limits=Limits(None, None, None, None))
    with running_emulator(settings) as server:
        headers = server.login_headers()
        url = f"{server.base_url}/v3/invoices?max=100"
        size = len(requests.get(url, headers=headers, timeout=30).content)
        if shutil.which("wrk"):
            args = ["wrk", "-t1", "-c4", f"-d{seconds}s"]
            for key, value in headers.items():
                args += ["-H", f"{key}: {value}"]
            output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
            client = "wrk -t1 -c4"
        else:
            session = requests.Session()
            session.headers.update(headers)
            count, deadline = 0, time.monotonic() + seconds
            started = time.monotonic()
            while time.monotonic() < deadline:
                session.get(url, timeout=30).raise_for_status()
                count += 1
            rate = count / (time.monotonic() - started)
            client = "python requests, 1 connection"
    print(
        f"emulator list throughput: {rate:,.0f} requests/s at max=100 ({size:,} bytes/page; client: {client})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
