"""Many organizations in one source, against the emulator (issue 14).

The emulator's main user reaches the main organization and the client organizations of an
Accountant Console (the console itself is listed too, and holds no AP/AR data). A source with
`organization_ids` or `all_organizations` reads each organization with its own session:

* every organization's records arrive exactly once, each tagged with its `organizationId`;
* an incremental sync after writes in two organizations returns exactly those writes;
* the state, kept per organization, survives adding and removing organizations;
* an organization that refuses the sign-in is named in the sync's error, and the others are delivered.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer, FailureType

from bill_emulator import EmulatorServer, EmulatorSettings, Limits, running_emulator
from integration_tests.reliability.harness import (
    SyncRun,
    describe,
    first_sync_catalog,
    latest_states,
    run_sync,
    stored_versions,
    stream_names_of,
)
from source_bill.client.sessions import reset_shared_sessions
from source_bill.organization_processes import WORKER_KEY, process_count
from source_bill.organization_states import blob_of

#: Small pages: each organization's lists take several pages and windows.
PAGE_SIZE = 10

Tagged = tuple[str, str, str]  # (stream, id, organizationId)


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    settings = EmulatorSettings(
        scale="tiny", seed=14, organizations=4, limits=Limits(requests_per_hour=None, spend_per_minute=None)
    )
    with running_emulator(settings) as emulator:
        yield emulator


def _main(server: EmulatorServer) -> str:
    return str(server.config("ap_ar")["credentials"]["organization_id"])


def _config(server: EmulatorServer, **credentials: Any) -> dict[str, Any]:
    config = server.config("ap_ar")
    return {
        **config,
        "page_size": PAGE_SIZE,
        "lookback_window_seconds": 0,
        "credentials": {**config["credentials"], **credentials},
    }


def _sync(config: dict[str, Any], catalog: Any, state: Any = None) -> SyncRun:
    reset_shared_sessions(include_login_budgets=True)
    return run_sync(config, catalog, state)


def _tagged(run: SyncRun) -> list[Tagged]:
    assert run.output is not None
    return [
        (
            message.record.stream,
            str(message.record.data["id"]),
            str(message.record.data.get("organizationId")),
        )
        for message in run.output.records
    ]


def _versions(*runs: SyncRun) -> set[tuple[Tagged, str | None]]:
    """Each record delivered with its `updatedTime`."""
    found = set()
    for run in runs:
        assert run.output is not None
        for message in run.output.records:
            data = message.record.data
            found.add(
                (
                    (message.record.stream, str(data["id"]), str(data.get("organizationId"))),
                    data.get("updatedTime"),
                )
            )
    return found


def _news(run: SyncRun, *before: SyncRun) -> set[Tagged]:
    """What `run` delivered that the runs before had not: new records or new versions. (An incremental
    sync also reads again the records updated in the very millisecond of its state, BILL's filter being
    inclusive: those are the versions delivered already.)"""
    return {tagged for tagged, _ in _versions(run) - _versions(*before)}


def _expected(server: EmulatorServer, organizations: list[str], streams: list[str]) -> set[Tagged]:
    return {
        (stream, record_id, organization)
        for organization in organizations
        for stream, record_id in stored_versions(server, "ap_ar", streams, organization)
    }


def _assert_exactly(run: SyncRun, expected: set[Tagged]) -> None:
    tagged = _tagged(run)
    assert len(tagged) == len(set(tagged)), f"twice: {[t for t in set(tagged) if tagged.count(t) > 1][:5]}"
    delivered = set(tagged)
    assert delivered == expected, (
        f"missing {sorted(expected - delivered)[:5]}, unknown or mistagged {sorted(delivered - expected)[:5]}"
    )


def _organizations_in_state(run: SyncRun, stream: str) -> set[str]:
    states = [state for state in run.states if state.stream.stream_descriptor.name == stream]
    return set(blob_of(states[-1])["organizations"])


@pytest.mark.parametrize("where", ["in processes", "in threads"])
def test_given_listed_organizations_when_syncing_then_each_record_once_tagged_with_its_organization(
    server: EmulatorServer, where: str
) -> None:
    organizations = [_main(server), *server.client_organization_ids()[:2]]
    config = _config(server, organization_ids=organizations)
    if (
        where == "in threads"
    ):  # as a child process reads its group, or a machine with one organization per core
        config[WORKER_KEY] = {"processes": 1}
    catalog = first_sync_catalog(config)
    streams = stream_names_of(catalog)
    before = server.counters()

    run = _sync(config, catalog)

    assert run.succeeded, describe([run])
    expected = _expected(server, organizations, streams)
    for organization in organizations:
        assert any(t[2] == organization and t[0] == "invoices" for t in expected), (
            "no invoices: proves nothing"
        )
    _assert_exactly(run, expected)
    assert _organizations_in_state(run, "invoices") == set(organizations)
    assert server.counters()["logins"] - before["logins"] == len(organizations)  # one sign-in each
    logs = [message.log.message for message in run.output.logs if message.log is not None]
    in_processes = any(f"Reading {len(organizations)} BILL organizations in" in text for text in logs)
    assert in_processes == (where == "in processes"), logs[:5]
    if in_processes:  # this test's process runs the emulator's threads: a fork could inherit their locks
        assert any("child processes as new interpreters (" in text for text in logs), logs[:5]
    assert server.counters()["error_codes"].get("BDC_1322", 0) == before["error_codes"].get("BDC_1322", 0)


def _files(folder: Path, *names: str) -> list[str]:
    return [argument for name in names for argument in (f"--{name}", str(folder / f"{name}.json"))]


def test_given_source_bill_run_as_a_process_when_syncing_organizations_then_children_are_forked_and_each_record_arrives_once(
    server: EmulatorServer, tmp_path: Path
) -> None:
    organizations = [_main(server), *server.client_organization_ids()[:2]]
    config = _config(server, organization_ids=organizations)
    catalog = first_sync_catalog(config)
    streams = stream_names_of(catalog)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog)))

    completed = subprocess.run(
        [sys.executable, "-m", "source_bill.run", "read", *_files(tmp_path, "config", "catalog")],
        capture_output=True,
        timeout=600,
    )

    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith(b"{")]
    logs = [message["log"]["message"] for message in messages if message["type"] == "LOG"]
    assert f"Started {process_count(len(organizations))} child processes forked from this one" in logs, logs[
        :5
    ]
    tagged = [
        (
            message["record"]["stream"],
            str(message["record"]["data"]["id"]),
            message["record"]["data"]["organizationId"],
        )
        for message in messages
        if message["type"] == "RECORD"
    ]
    assert len(tagged) == len(set(tagged))
    assert set(tagged) == _expected(server, organizations, streams)
    invoice_states = [
        message["state"]
        for message in messages
        if message["type"] == "STATE"
        and message["state"]["stream"]["stream_descriptor"]["name"] == "invoices"
    ]
    assert set(invoice_states[-1]["stream"]["stream_state"]["organizations"]) == set(organizations)


def test_given_all_organizations_when_syncing_then_every_client_organization_but_not_the_console(
    server: EmulatorServer,
) -> None:
    config = _config(server, all_organizations=True)
    catalog = first_sync_catalog(config, ["invoices", "customers", "vendors", "organization"])
    readable = server.organization_ids(console=False)
    assert server.console_organization_id() not in readable and len(readable) == 4

    run = _sync(config, catalog)

    assert run.succeeded, describe([run])
    _assert_exactly(run, _expected(server, readable, stream_names_of(catalog)))


def _rename_first_customer(server: EmulatorServer, organization_id: str, name: str) -> tuple[str, str, str]:
    http = requests.Session()
    http.headers.update(server.login_headers(organization_id))
    first = http.get(f"{server.base_url}/v3/customers", params={"max": 1}, timeout=30).json()["results"][0]
    answer = http.patch(f"{server.base_url}/v3/customers/{first['id']}", json={"name": name}, timeout=30)
    assert answer.status_code < 300, answer.text
    return ("customers", first["id"], organization_id)


def test_given_writes_in_two_organizations_when_syncing_incrementally_then_exactly_those_writes(
    server: EmulatorServer,
) -> None:
    organizations = [_main(server), *server.client_organization_ids()[:2]]
    config = _config(server, organization_ids=organizations)
    catalog = first_sync_catalog(config, ["customers", "invoices", "vendors"])
    full = _sync(config, catalog)
    assert full.succeeded, describe([full])

    written = {
        _rename_first_customer(server, organizations[0], "Renamed In The First Organization"),
        _rename_first_customer(server, organizations[2], "Renamed In The Third Organization"),
    }
    incremental = _sync(config, catalog, latest_states([full]))

    assert incremental.succeeded, describe([incremental])
    assert _news(incremental, full) == written
    assert len(_tagged(incremental)) == len(set(_tagged(incremental)))


def test_given_organizations_added_and_removed_when_syncing_then_state_follows_and_nothing_is_read_twice(
    server: EmulatorServer,
) -> None:
    main, (first_client, second_client) = _main(server), server.client_organization_ids()[:2]
    catalog = first_sync_catalog(_config(server), ["invoices", "vendors"])
    streams = stream_names_of(catalog)
    alone = _sync(_config(server), catalog)  # one organization: a state of the classic form
    assert alone.succeeded, describe([alone])
    assert "organizations" not in blob_of(latest_states([alone])[0])

    added = _sync(_config(server, organization_ids=[main, first_client]), catalog, latest_states([alone]))

    assert added.succeeded, describe([added])
    assert _news(added, alone) == _expected(server, [first_client], streams)  # main: nothing new
    assert _organizations_in_state(added, "invoices") == {main, first_client}

    swapped = _sync(
        _config(server, organization_ids=[first_client, second_client]),
        catalog,
        latest_states([alone, added]),
    )

    assert swapped.succeeded, describe([swapped])
    assert _news(swapped, alone, added) == _expected(server, [second_client], streams)
    assert _organizations_in_state(swapped, "invoices") == {first_client, second_client}  # main forgotten


def test_given_one_organization_refusing_sign_in_when_syncing_then_it_is_named_and_the_others_delivered(
    server: EmulatorServer,
) -> None:
    main, (first_client, refused) = _main(server), server.client_organization_ids()[:2]
    config = _config(server, organization_ids=[main, first_client, refused])
    catalog = first_sync_catalog(_config(server), ["invoices", "customers"])
    server.refuse_sign_in(refused)
    try:
        run = _sync(config, catalog)
    finally:
        server.allow_sign_in(refused)

    assert not run.succeeded
    named = [failure for failure in run.failures if refused in failure.message]
    assert named and named[-1].failure_type == FailureType.config_error, describe([run])
    assert f"{main} (" not in named[-1].message and f"{first_client} (" not in named[-1].message
    _assert_exactly(run, _expected(server, [main, first_client], stream_names_of(catalog)))
    assert _organizations_in_state(run, "invoices") == {main, first_client}
