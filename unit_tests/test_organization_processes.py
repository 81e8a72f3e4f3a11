"""Organizations read in child processes (`source_bill/organization_processes.py`): how they are
split, what a child is given, the lines between child and parent, and a child that dies."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import uuid
from pathlib import Path

import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteLogMessage,
    AirbyteMessage,
    FailureType,
    Level,
    Type,
)
from airbyte_cdk.sources.utils.record_helper import stream_data_to_airbyte_message
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_bill.client import sessions
from source_bill.config import defaults
from source_bill.organization_processes import (
    WORKER_KEY,
    ChildFailed,
    ChildReads,
    groups_of,
    message_line,
    parse_line,
    process_count,
    watch_parent,
    worker_config,
    worker_line,
    worker_processes,
)
from source_bill.organization_reads import Finished
from unit_tests.messages import state_message

FIRST, SECOND, THIRD = "00801FIRST", "00801SECOND", "00801THIRD"
CONFIG = {
    "credentials": {
        "auth_type": "ap_ar",
        "username": "user@example.com",
        "password": "secret",
        "organization_id": FIRST,
        "dev_key": "key",
        "all_organizations": True,
    },
    "hourly_request_budget": 20_000,
}


@pytest.mark.parametrize(
    ("organizations", "cores", "processes"),
    [(20, 2, 2), (3, 2, 2), (3, 4, 3), (1, 8, 1), (50, 16, 8), (5, 1, 2)],
)
def test_given_organizations_and_cores_when_counting_processes_then_one_per_core_at_least_two_at_most_one_each(
    organizations: int, cores: int, processes: int
) -> None:
    assert process_count(organizations, cores) == processes


def test_given_organizations_when_grouped_then_dealt_round_robin_with_no_group_empty() -> None:
    assert groups_of(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert groups_of(["a"], 3) == [["a"]]


def test_given_a_group_when_building_its_config_then_it_lists_the_group_and_takes_its_share_of_the_budget() -> (
    None
):
    child = worker_config(CONFIG, [SECOND, THIRD], 4)
    assert child["credentials"]["organization_ids"] == [SECOND, THIRD]
    assert "all_organizations" not in child["credentials"]
    assert child["credentials"]["organization_id"] == FIRST  # the first sign-in stays the parent's
    assert child["hourly_request_budget"] == 5_000
    assert worker_processes(child) == 4
    assert worker_processes(CONFIG) is None
    assert CONFIG["credentials"]["all_organizations"] is True  # the parent's config is left alone


def test_given_no_budget_in_the_config_when_building_a_childs_config_then_it_takes_its_share_of_the_default() -> (
    None
):
    config = {key: value for key, value in CONFIG.items() if key != "hourly_request_budget"}
    assert (
        worker_config(config, [SECOND], 4)["hourly_request_budget"]
        == defaults()["hourly_request_budget"] // 4
    )


def test_given_a_share_of_the_logins_when_a_budget_is_made_then_it_allows_that_share() -> None:
    sessions.share_logins(4)
    try:
        sessions.reset_shared_sessions(include_login_budgets=True)
        assert sessions.shared_login_budget("a developer key").limit == 50
    finally:
        sessions.share_logins(1)
        sessions.reset_shared_sessions(include_login_budgets=True)
    assert sessions.shared_login_budget("a developer key").limit == sessions.LOGINS_PER_HOUR


def _state(stream: str) -> AirbyteMessage:
    return state_message(stream, {"updatedTime": "x"})


def test_given_a_record_when_it_crosses_from_child_to_parent_then_it_is_whole_and_written_as_the_child_wrote_it() -> (
    None
):
    record = stream_data_to_airbyte_message(
        "invoices", {"id": "00e01", "amount": 1.5, "gone": None, "organizationId": SECOND}
    )
    line = worker_line((SECOND, record))
    assert line == AirbyteEntrypoint.airbyte_message_to_string(record)
    item = parse_line(line.encode() + b"\n", "group")
    assert isinstance(item, tuple)
    label, message = item
    assert label == "group"  # records need no organization: they pass through the merge
    assert message.record.stream == "invoices"
    assert message.record.data == {"id": "00e01", "amount": 1.5, "organizationId": SECOND}
    assert message_line(message) == line
    assert AirbyteEntrypoint.airbyte_message_to_string(message) == line  # the CDK's writer agrees


def test_given_a_state_when_it_crosses_then_it_keeps_its_organization() -> None:
    item = parse_line(worker_line((THIRD, _state("bills"))).encode(), "group")
    assert isinstance(item, tuple)
    organization, message = item
    assert organization == THIRD
    assert message.type == Type.STATE
    assert message.state.stream.stream_descriptor.name == "bills"
    assert message_line(message) == AirbyteEntrypoint.airbyte_message_to_string(message)


@pytest.mark.parametrize("failure", [FailureType.config_error, FailureType.transient_error])
def test_given_an_organization_that_failed_when_its_end_crosses_then_its_error_and_failure_type_do(
    failure: FailureType,
) -> None:
    error = AirbyteTracedException(
        message="BILL refused the sign-in", internal_message="BDC_1105", failure_type=failure
    )
    item = parse_line(worker_line(Finished(SECOND, error)).encode(), "group")
    assert isinstance(item, Finished)
    assert item.organization_id == SECOND
    assert isinstance(item.error, AirbyteTracedException)
    assert (item.error.message, item.error.failure_type) == ("BILL refused the sign-in", failure)


def test_given_an_organization_that_finished_when_its_end_crosses_then_it_has_no_error() -> None:
    item = parse_line(worker_line(Finished(FIRST)).encode(), "group")
    assert item == Finished(FIRST, None)


def test_given_a_line_the_childs_logger_wrote_when_parsed_then_it_belongs_to_the_group() -> None:
    log = AirbyteMessage(
        type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message="Marking stream as RUNNING")
    )
    item = parse_line(AirbyteEntrypoint.airbyte_message_to_string(log).encode(), "00801FIRST and 2 more")
    assert isinstance(item, tuple)
    assert item[0] == "00801FIRST and 2 more"
    assert item[1].log.message == "Marking stream as RUNNING"
    assert parse_line(b"\n", "group") is None
    assert parse_line(b"not json", "group") is None


# -- children --------------------------------------------------------------------------------------

_CHILD = r"""
import json, sys
arguments = sys.argv[1:]
config = json.load(open(arguments[arguments.index("--config") + 1]))
organizations = config["credentials"]["organization_ids"]
for organization in organizations:
    if organization == "00801DIES":
        sys.stderr.write("MemoryError: the child ran out of memory\n")
        sys.exit(137)
    data = {"id": organization, "budget": config["hourly_request_budget"]}
    print(json.dumps({"type": "RECORD", "record": {"stream": "invoices", "data": data, "emitted_at": 1}}, separators=(",", ":")))
    print(json.dumps({"organization": organization, "finished": True, "error": None}))
"""


def _fake_child(folder: Path) -> object:
    script = folder / "child.py"
    script.write_text(_CHILD)
    return lambda arguments: [sys.executable, str(script), *arguments]


def _catalog() -> dict:
    return {"streams": []}


def test_given_children_when_read_then_every_organization_ends_once_with_its_records(tmp_path: Path) -> None:
    reads = ChildReads(
        [[FIRST, THIRD], [SECOND]], CONFIG, _catalog(), None, logging.getLogger("test"), _fake_child(tmp_path)
    )
    items = list(reads.items())
    ended = sorted(item.organization_id for item in items if isinstance(item, Finished))
    assert ended == sorted([FIRST, SECOND, THIRD])
    assert all(item.error is None for item in items if isinstance(item, Finished))
    records = [item[1].record.data for item in items if isinstance(item, tuple)]
    assert sorted(record["id"] for record in records) == sorted([FIRST, SECOND, THIRD])
    assert {record["budget"] for record in records} == {10_000}  # two children share 20,000 an hour


def test_given_a_child_that_dies_when_read_then_its_unfinished_organizations_fail_naming_why(
    tmp_path: Path,
) -> None:
    reads = ChildReads(
        [[FIRST, "00801DIES", THIRD], [SECOND]],
        CONFIG,
        _catalog(),
        None,
        logging.getLogger("test"),
        _fake_child(tmp_path),
    )
    ends = {item.organization_id: item.error for item in reads.items() if isinstance(item, Finished)}
    assert set(ends) == {FIRST, "00801DIES", THIRD, SECOND}
    assert ends[FIRST] is None and ends[SECOND] is None
    for organization in ("00801DIES", THIRD):
        assert isinstance(ends[organization], ChildFailed)
        assert "exit code 137" in str(ends[organization])
        assert "ran out of memory" in str(ends[organization])


def test_given_children_when_read_then_their_configs_are_gone_afterwards(tmp_path: Path) -> None:
    seen: list[str] = []
    child = _fake_child(tmp_path)

    def command(arguments: list[str]) -> list[str]:
        seen.append(arguments[arguments.index("--config") + 1])
        return child(arguments)  # type: ignore[operator]

    reads = ChildReads([[FIRST]], CONFIG, _catalog(), None, logging.getLogger("test"), command)
    list(reads.items())
    assert seen and not Path(seen[0]).exists()  # the config held the password
    assert json.dumps(CONFIG)  # unchanged and still plain JSON
    assert WORKER_KEY not in CONFIG


def test_given_a_child_whose_parent_is_gone_when_watched_then_it_ends_itself() -> None:
    parents = iter([100, 100, 1])  # at start, still there, then adopted by init
    ended: list[int] = []
    watcher = watch_parent(every_seconds=0.01, parent_of=lambda: next(parents, 1), leave=ended.append)
    watcher.join(timeout=5)
    assert ended == [1]


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                state = (entry / "stat").read_text().split(")")[-1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
    return found


def test_given_a_child_that_cannot_start_when_read_then_the_children_started_before_it_are_ended(
    tmp_path: Path,
) -> None:
    marker = f"source-bill-test-{uuid.uuid4()}"
    started: list[int] = []

    def command(arguments: list[str]) -> list[str]:
        if started:
            raise OSError("no more processes")
        started.append(1)
        return [sys.executable, "-c", "import time; time.sleep(60)", marker]

    reads = ChildReads([[FIRST], [SECOND]], CONFIG, _catalog(), None, logging.getLogger("test"), command)
    with pytest.raises(OSError, match="no more processes"):
        list(reads.items())
    assert started
    assert _processes_with(marker) == []  # not left reading for nobody
