"""The Accountant Console API token: an AP/AR sign-in with `consoleApiToken` in place of the password."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType, Status
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest

from source_bill.client.auth import ApArCredentials, CredentialsError, credentials_from_config
from source_bill.config import ConfigError, prepare_config, validate_config

from .config import API_ROOT, CONSOLE_API_TOKEN, DEV_KEY, ORGANIZATION_ID, PASSWORD, USERNAME, ConfigBuilder
from .request_builder import BillRequestBuilder
from .response_builder import bill_error, login_response, page, record
from .source_runner import check, output_text, read_streams


def _console_login() -> HttpRequest:
    return HttpRequest(
        url=f"{API_ROOT}/login",
        body={
            "username": USERNAME,
            "consoleApiToken": CONSOLE_API_TOKEN,
            "organizationId": ORGANIZATION_ID,
            "devKey": DEV_KEY,
        },
    )


def test_given_console_token_when_building_credentials_then_it_signs_in_in_place_of_the_password():
    credentials = credentials_from_config(ConfigBuilder().console().build())

    assert isinstance(credentials, ApArCredentials) and credentials.uses_console_token
    assert "password" not in credentials.login_body()
    assert credentials.login_body()["consoleApiToken"] == CONSOLE_API_TOKEN
    assert credentials.secrets == (DEV_KEY, CONSOLE_API_TOKEN)
    assert CONSOLE_API_TOKEN not in repr(credentials)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"password": ""}, "need a 'password'", id="neither"),
        pytest.param(
            {"password": PASSWORD, "console_api_token": CONSOLE_API_TOKEN}, "give only one", id="both"
        ),
        pytest.param({"console_api_token": "   "}, "need a 'password'", id="blank console token"),
    ],
)
def test_given_not_exactly_one_of_password_and_console_token_when_validating_then_config_error(
    change, expected
):
    config = ConfigBuilder().build()
    config["credentials"].pop("password")
    config["credentials"].update(change)

    with pytest.raises(ConfigError, match=expected) as refused:
        validate_config(prepare_config(config))
    assert PASSWORD not in str(refused.value) and CONSOLE_API_TOKEN not in str(refused.value)
    with pytest.raises(CredentialsError):
        credentials_from_config(config)


def test_given_an_existing_password_config_when_validating_then_still_valid():
    validate_config(prepare_config(ConfigBuilder().build()))


def test_given_console_token_when_reading_then_signs_in_with_it_and_syncs_like_a_password():
    config = ConfigBuilder().console().with_start_date("2025-01-01").build()
    with HttpMocker() as http:
        http.post(_console_login(), login_response())
        http.get(
            BillRequestBuilder.list("/vendors").with_session().with_any_params().build(),
            page(record("vendors")),
        )
        output = read_streams(config, "vendors")

    assert len(output.records) == 1
    assert not output.errors
    assert CONSOLE_API_TOKEN not in output_text(output)


def test_given_console_token_bill_rejects_when_checking_then_failed_naming_the_console_token():
    with HttpMocker() as http:
        http.post(
            _console_login(), bill_error("BDC_1101", "User name and/or password do not match our records.")
        )
        output = check(ConfigBuilder().console().build())

    statuses = [m.connectionStatus for m in output.connection_status_messages]
    assert [s.status for s in statuses] == [Status.FAILED]
    assert "BILL rejected the username and Accountant Console API token (BDC_1101)" in statuses[0].message
    assert CONSOLE_API_TOKEN not in output_text(output)


def test_given_console_token_bill_rejects_when_reading_then_one_config_error():
    with HttpMocker() as http:
        http.post(
            _console_login(), bill_error("BDC_1101", "User name and/or password do not match our records.")
        )
        output = read_streams(ConfigBuilder().console().build(), "vendors", expecting_exception=True)

    errors = [e.trace.error for e in output.errors]
    assert len(errors) == 1 and errors[0].failure_type == FailureType.config_error
    assert "Accountant Console API token" in errors[0].message
