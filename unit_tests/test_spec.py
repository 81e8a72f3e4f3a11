"""The spec is the public contract: names, secrets, CAT rules, and defaults the code really uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from airbyte_cdk.models import Type
from airbyte_cdk.test.standard_tests._spec_lint import find_secret_marking_errors

from source_bill.config import defaults, prepare_config, spec
from unit_tests.integration.source_runner import spec as run_spec

REPO = Path(__file__).resolve().parents[1]
CONNECTION = spec()["connectionSpecification"]
PROPERTIES = CONNECTION["properties"]
VARIANTS = {v["properties"]["auth_type"]["const"]: v for v in PROPERTIES["credentials"]["oneOf"]}


def _all_properties():
    yield from PROPERTIES.items()
    for variant in VARIANTS.values():
        yield from variant["properties"].items()


def test_given_repo_root_then_spec_yaml_is_a_relative_symlink_to_the_package_spec():
    link = REPO / "spec.yaml"
    assert link.is_symlink()
    assert not Path(link.readlink()).is_absolute()
    assert link.resolve() == (REPO / "source_bill" / "spec.yaml").resolve()


def test_given_spec_command_then_one_spec_message_from_spec_yaml():
    output = run_spec()
    specs = output.spec_messages
    assert all(m.type == Type.SPEC for m in specs)
    assert len(specs) == 1
    assert specs[0].spec.connectionSpecification["properties"].keys() == PROPERTIES.keys()


def test_given_manifest_then_it_has_no_spec_block():
    import yaml

    manifest = yaml.safe_load((REPO / "source_bill" / "manifest.yaml").read_text())
    assert "spec" not in manifest


def test_given_public_contract_then_names_are_exact():
    assert set(VARIANTS) == {"ap_ar", "partner", "spend_expense", "oauth"}
    assert set(VARIANTS["ap_ar"]["properties"]) == {
        "auth_type",
        "username",
        "password",
        "console_api_token",
        "organization_id",
        "dev_key",
        "organization_ids",
        "all_organizations",
    }
    assert set(VARIANTS["partner"]["properties"]) == {"auth_type", "username", "password", "app_key"}
    assert set(VARIANTS["spend_expense"]["properties"]) == {"auth_type", "api_token"}
    assert set(VARIANTS["oauth"]["properties"]) == {"auth_type", "client_id", "client_secret"}
    assert {
        "credentials",
        "environment",
        "base_url",
        "token_url",
        "start_date",
        "page_size",
        "max_concurrent_requests",
    } <= set(PROPERTIES)
    assert PROPERTIES["environment"]["enum"] == ["production", "sandbox"]
    assert PROPERTIES["environment"]["default"] == "production"
    assert CONNECTION["required"] == ["credentials"]


def test_given_tuning_keys_then_safe_bounds_and_defaults():
    assert (
        PROPERTIES["page_size"]["minimum"],
        PROPERTIES["page_size"]["maximum"],
        PROPERTIES["page_size"]["default"],
    ) == (1, 100, 100)
    concurrency = PROPERTIES["max_concurrent_requests"]
    assert (concurrency["default"], concurrency["maximum"]) == (3, 3)
    assert PROPERTIES["hourly_request_budget"]["maximum"] <= 20000
    assert PROPERTIES["session_refresh_minutes"]["maximum"] < 35
    for key in ("lookback_window_seconds", "hourly_request_budget", "max_rate_limit_wait_seconds"):
        assert "default" in PROPERTIES[key]


def test_given_every_field_then_title_description_order_and_examples():
    for name, prop in _all_properties():
        for key in ("title", "description", "order"):
            assert key in prop, f"{name} lacks {key}"
        if name != "credentials":
            assert prop.get("examples"), f"{name} lacks examples"


def test_given_secrets_then_marked_and_lint_clean():
    assert find_secret_marking_errors(CONNECTION) == []
    for variant, secrets in {
        "ap_ar": {"password", "console_api_token", "dev_key"},
        "partner": {"password", "app_key"},
        "spend_expense": {"api_token"},
        "oauth": {"client_secret"},
    }.items():
        props = VARIANTS[variant]["properties"]
        assert {n for n, p in props.items() if p.get("airbyte_secret")} == secrets


def test_given_cat_rules_then_one_of_is_well_formed():
    credentials = PROPERTIES["credentials"]
    assert credentials["type"] == "object"
    for variant in credentials["oneOf"]:
        assert variant["type"] == "object" and variant["properties"]
        auth_type = variant["properties"]["auth_type"]
        assert auth_type["default"] == auth_type["const"]
        assert auth_type["enum"] == [auth_type["const"]]
        assert "auth_type" in variant["required"]
    for name, prop in _all_properties():
        kind = prop.get("type")
        assert isinstance(kind, str) or (isinstance(kind, list) and len(kind) == 2 and "null" in kind), name
        if "enum" in prop:
            assert len(set(prop["enum"])) == len(prop["enum"])


def test_given_ap_ar_form_then_password_and_console_token_are_the_two_choices_side_by_side():
    """Existing configs (with a password) stay valid; a console token stands in the password's place, so
    neither is required by the schema and `validate_config` asks for exactly one."""
    ap_ar = VARIANTS["ap_ar"]
    assert ap_ar["required"] == ["auth_type", "username", "organization_id", "dev_key"]
    password, console = ap_ar["properties"]["password"], ap_ar["properties"]["console_api_token"]
    assert console["order"] == password["order"] + 1
    assert "instead of the password" in console["title"]
    assert "Leave it empty when you sign in with an Accountant Console API token" in password["description"]


def test_given_oauth_variant_then_says_where_the_credentials_come_from():
    oauth = VARIANTS["oauth"]
    assert oauth["required"] == ["auth_type", "client_id", "client_secret"]
    for name in ("client_id", "client_secret"):
        assert "developer app" in oauth["properties"][name]["description"]
        assert "BILL's web app" in oauth["properties"][name]["description"]
    token_url = PROPERTIES["token_url"]
    assert "default" not in token_url
    for fragment in ("/authx/token", "https://auth.prod.bill.com/authx/token", "https://auth.stage.bill.com"):
        assert fragment in token_url["description"]


@pytest.mark.parametrize(
    ("value", "ok"), [("00801ABCDEFGHIJ12345", True), ("0080", True), ("009ABC", False), ("008-x", False)]
)
def test_given_organization_id_pattern_then_starts_with_008(value, ok):
    pattern = VARIANTS["ap_ar"]["properties"]["organization_id"]["pattern"]
    assert bool(re.match(pattern, value)) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        ("2024-01-01", True),
        ("2024-01-01T00:00:00Z", True),
        ("2024-01-01T00:00:00.000+02:00", True),
        ("01/02/2024", False),
    ],
)
def test_given_start_date_pattern_then_iso_8601(value, ok):
    assert bool(re.match(PROPERTIES["start_date"]["pattern"], value)) is ok


def test_given_empty_config_when_preparing_then_spec_defaults_are_what_the_code_uses():
    prepared = prepare_config({})
    for key, value in defaults().items():
        assert prepared[key] == value
    assert prepared["_api_root"] == "https://gateway.prod.bill.com/connect/v3"


def test_given_start_date_with_offset_when_preparing_then_utc():
    assert prepare_config({"start_date": "2024-01-01T02:00:00+02:00"})["start_date"] == "2024-01-01T00:00:00Z"
    assert prepare_config({"start_date": "2024-01-01"})["start_date"] == "2024-01-01T00:00:00Z"
    assert "start_date" not in prepare_config({"start_date": ""})
