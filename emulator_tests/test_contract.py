"""Contract test: every request of BILL's official Postman collection (the four folders the project
covers) replayed against one emulator, checked against the collection's example success response.

See emulator_tests/contract.py for how variables are filled and what is compared. A summary (passed,
failed and left-out requests per folder) is printed at the end and written to build/contract-report.txt.
"""

from __future__ import annotations

import pytest

from bill_emulator import running_emulator
from emulator_tests.contract import (
    LEFT_OUT,
    CollectionRequest,
    Replayer,
    compare_keys,
    contract_settings,
    load_requests,
    write_report,
)

REQUESTS = load_requests()


@pytest.fixture(scope="module")
def replayer(request: pytest.FixtureRequest):
    with running_emulator(contract_settings()) as server:
        replay = Replayer(server, REQUESTS)
        yield replay
    report = write_report(replay.outcomes)
    terminal = request.config.pluginmanager.getplugin("terminalreporter")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if terminal is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # show the summary even when the tests passed
            terminal.write_line("")
            for line in report.splitlines():
                terminal.write_line(line)


@pytest.mark.parametrize("entry", REQUESTS, ids=[r.id for r in REQUESTS])
def test_collection_request_replays_like_bill(replayer: Replayer, entry: CollectionRequest) -> None:
    if entry.id in LEFT_OUT:
        pytest.skip(f"left out: {LEFT_OUT[entry.id]}")
    outcome = replayer.replay(entry)
    if not outcome.passed:
        pytest.fail(outcome.message(), pytrace=False)


# -- the check itself ---------------------------------------------------------------------------------
def test_compare_keys_names_missing_nested_keys_and_takes_the_union_of_array_items() -> None:
    example = {"id": "s", "contact": {"firstName": "s", "lastName": "s"}, "lines": [{"a": 1}, {"b": 2}]}
    actual = {"id": "x", "contact": {"firstName": "y"}, "lines": [{"a": 1}, {"b": 2, "c": 3}]}
    assert compare_keys(example, actual) == (["contact.lastName"], [])
    assert compare_keys(example, {"id": "x", "lines": [{"a": 1}]}) == (["contact", "lines[].b"], [])


def test_compare_keys_fails_an_empty_list_answer_but_only_notes_empty_nested_arrays() -> None:
    example = {"results": [{"id": "s", "payments": [{"amount": 1}]}], "nextPage": "s", "prevPage": "s"}
    missing, _ = compare_keys(example, {"results": []})
    assert missing and "empty list" in missing[0]
    assert compare_keys(example, {"results": [{"id": "x", "payments": []}]}) == (
        [],
        ["results[].payments[] is empty"],
    )
    assert compare_keys({"a": {"b": 1}}, {"a": None}) == ([], ["a is null"])
