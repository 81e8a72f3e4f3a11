"""`make demo`: start the BILL emulator on a free loopback port and show what it serves.

Once the connector can sync, this runs a real sync of every AP/AR stream (see README).
"""

from __future__ import annotations

import sys
import time

import requests

from bill_emulator import EmulatorSettings, running_emulator

LISTS = ["customers", "invoices", "receivable-payments", "users", "roles"]


def main() -> int:
    started = time.monotonic()
    with running_emulator(EmulatorSettings(scale="small")) as emulator:
        print(f"BILL emulator at {emulator.base_url} (seeded in {time.monotonic() - started:.1f}s)")
        creds = emulator.config("ap_ar")["credentials"]
        session = requests.Session()
        login = session.post(
            f"{emulator.base_url}/v3/login",
            json={
                "username": creds["username"],
                "password": creds["password"],
                "organizationId": creds["organization_id"],
                "devKey": creds["dev_key"],
            },
            timeout=30,
        )
        login.raise_for_status()
        session.headers.update({"devKey": creds["dev_key"], "sessionId": login.json()["sessionId"]})
        print(f"{'list':<24}{'records':>10}{'pages':>8}")
        for name in LISTS:
            records = pages = 0
            params: dict[str, str | int] = {"max": 100}
            while True:
                page = session.get(f"{emulator.base_url}/v3/{name}", params=params, timeout=30)
                page.raise_for_status()
                body = page.json()
                records += len(body["results"])
                pages += 1
                if not body.get("nextPage"):
                    break
                params["page"] = body["nextPage"]
            print(f"{name:<24}{records:>10}{pages:>8}")
        print(f"requests served: {emulator.counters()['requests']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
