"""Which organizations a sync reads (`source_bill/organizations.py`)."""

from __future__ import annotations

from typing import Any

import pytest

from source_bill.client.pagination import RepeatedCursorError
from source_bill.config import ConfigError, prepare_config, validate_config
from source_bill.organizations import (
    LoginOrganization,
    client_organizations,
    config_for,
    listed_organizations,
    login_organizations,
    parse_login_organizations,
    reads_many,
)

FIRST, SECOND, THIRD, CONSOLE = "00801FIRST", "00801SECOND", "00801THIRD", "00801CONSOLE"


def _config(**credentials: Any) -> dict[str, Any]:
    return {
        "credentials": {
            "auth_type": "ap_ar",
            "username": "ap@example.com",
            "password": "secret",
            "organization_id": FIRST,
            "dev_key": "devkey",
            **credentials,
        },
        "start_date": "2024-01-01T00:00:00Z",
    }


class _Pages:
    """A BillClient stand-in answering GET /v3/login/organizations from a list of pages."""

    def __init__(self, pages: dict[str | None, dict[str, Any]]) -> None:
        self.pages = pages
        self.asked: list[dict[str, Any]] = []

    def get(self, path: str, **params: Any) -> Any:
        assert path == "/v3/login/organizations"
        self.asked.append(params)
        return self.pages[params.get("page")]


def test_given_one_organization_when_configured_then_the_sync_reads_one():
    assert not reads_many(_config())
    assert not reads_many(_config(organization_ids=[]))
    assert not reads_many(_config(all_organizations=False))


def test_given_organization_ids_when_listed_then_each_once_in_order():
    config = _config(organization_ids=[SECOND, f" {FIRST} ", SECOND])
    assert reads_many(config)
    assert listed_organizations(config) == [SECOND, FIRST]


def test_given_all_organizations_when_listed_then_bill_is_asked():
    config = _config(all_organizations=True)
    assert reads_many(config)
    assert listed_organizations(config) is None


def test_given_other_auth_types_when_configured_then_never_many():
    assert not reads_many({"credentials": {"auth_type": "partner", "organization_ids": [FIRST]}})
    assert not reads_many({"credentials": {"auth_type": "spend_expense", "all_organizations": True}})


def test_given_an_organization_when_its_config_is_built_then_it_signs_in_there_alone():
    config = _config(organization_ids=[FIRST, SECOND])
    own = config_for(config, SECOND)
    assert own["credentials"]["organization_id"] == SECOND
    assert "organization_ids" not in own["credentials"] and not reads_many(own)
    assert own["start_date"] == config["start_date"]
    assert config["credentials"]["organization_id"] == FIRST  # the original is untouched


def test_given_both_ways_when_validated_then_config_error_names_them():
    with pytest.raises(ConfigError, match=r"either 'organization_ids'.*'all_organizations'"):
        validate_config(prepare_config(_config(organization_ids=[SECOND], all_organizations=True)))


def test_given_an_organization_id_without_008_when_validated_then_the_field_is_named():
    with pytest.raises(ConfigError, match="organization_ids"):
        validate_config(prepare_config(_config(organization_ids=["12345"])))


def test_given_entries_of_any_known_shape_when_parsed_then_ids_and_console_parents_are_read():
    entries = parse_login_organizations(
        [
            {"id": FIRST, "name": "Main"},
            {"organizationId": SECOND, "consoleOrganizationId": CONSOLE},
            {"organization": {"id": THIRD, "name": "Nested"}, "consoleOrganization": {"id": CONSOLE}},
            {"name": "no id"},
            "not an object",
        ]
    )
    assert entries == [
        LoginOrganization(FIRST, "Main", None),
        LoginOrganization(SECOND, None, CONSOLE),
        LoginOrganization(THIRD, "Nested", CONSOLE),
    ]


def test_given_a_console_parent_when_choosing_then_the_console_organization_is_not_read():
    entries = [
        LoginOrganization(CONSOLE),
        LoginOrganization(FIRST),
        LoginOrganization(SECOND, console_id=CONSOLE),
        LoginOrganization(SECOND, console_id=CONSOLE),
    ]
    assert client_organizations(entries) == [FIRST, SECOND]


def test_given_two_pages_when_listing_then_next_page_is_followed_with_page_only():
    client = _Pages(
        {
            None: {"results": [{"id": FIRST}], "nextPage": "p2"},
            "p2": {"results": [{"id": SECOND}], "nextPage": None},
        }
    )
    assert [entry.id for entry in login_organizations(client)] == [FIRST, SECOND]  # type: ignore[arg-type]
    assert client.asked == [{}, {"page": "p2"}]


def test_given_a_repeated_cursor_when_listing_then_it_stops_with_an_error():
    client = _Pages(
        {
            None: {"results": [{"id": FIRST}], "nextPage": "p2"},
            "p2": {"results": [{"id": SECOND}], "nextPage": "p2"},
        }
    )
    with pytest.raises(RepeatedCursorError):
        login_organizations(client)  # type: ignore[arg-type]


def test_given_empty_pages_with_cursors_when_listing_then_the_walk_ends():
    client = _Pages(
        {
            None: {"results": [{"id": FIRST}], "nextPage": "p2"},
            "p2": {"results": [], "nextPage": "p3"},
            "p3": {"results": [], "nextPage": "p4"},
        }
    )
    assert [entry.id for entry in login_organizations(client)] == [FIRST]  # type: ignore[arg-type]
