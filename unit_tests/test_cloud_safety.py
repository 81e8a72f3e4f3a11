"""Cloud safety: in Airbyte Cloud (`DEPLOYMENT_MODE=CLOUD`) the base URL can only name BILL's gateways.

In-process rules only (no network): what `validate_config` and `spec_error` accept and refuse. The
end-to-end runs (check, discover and read refused before any request reaches the emulator) are in
integration_tests/test_reliability_config.py.
"""

from __future__ import annotations

import logging
import re

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_bill import SourceBill
from source_bill.client.urls import GATEWAY_HOSTS
from source_bill.config import ConfigError, prepare_config, spec, spec_error, validate_config
from unit_tests.integration.config import ConfigBuilder

CLOUD_REFUSAL = "In Airbyte Cloud the base URL must be https:// on one of BILL's gateways"


def _config(base_url: str | None, environment: str | None = None) -> dict:
    builder = ConfigBuilder().with_base_url(base_url)
    if environment:
        builder = builder.with_environment(environment)
    return prepare_config(builder.build())


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOYMENT_MODE", "CLOUD")


@pytest.mark.parametrize(
    ("base_url", "environment"),
    [
        (None, "production"),
        (None, "sandbox"),
        ("", "sandbox"),
        ("https://gateway.prod.bill.com/connect", None),
        ("https://gateway.stage.bill.com/connect/", None),
        ("https://gateway.prod.bill.com/connect/v3", None),
        ("https://GATEWAY.PROD.BILL.COM:443/connect", None),
    ],
)
def test_given_cloud_and_one_of_bills_gateways_when_validating_then_accepted(cloud, base_url, environment):
    validate_config(_config(base_url, environment))


@pytest.mark.parametrize(
    "base_url",
    [
        pytest.param("http://gateway.prod.bill.com/connect", id="http"),
        pytest.param("http://127.0.0.1:8080/connect", id="emulator on loopback"),
        pytest.param("https://localhost:8443/connect", id="https on loopback"),
        pytest.param("https://10.0.0.7/connect", id="private IP literal"),
        pytest.param("https://[::1]/connect", id="IPv6 literal"),
        pytest.param("https://169.254.169.254/connect", id="cloud metadata address"),
        pytest.param(
            "https://gateway.prod.bill.com.evil.example/connect", id="gateway name under another domain"
        ),
        pytest.param("https://gateway.prod.bill.com./connect", id="trailing dot"),
        pytest.param("https://user:pass-word-9@gateway.prod.bill.com/connect", id="user info"),
        pytest.param("https://gateway.prod.bill.com@evil.example/connect", id="gateway name as user info"),
        pytest.param("https://evil.example\\@gateway.prod.bill.com/connect", id="backslash before @"),
        pytest.param("https://gateway.prod.bill.com:8443/connect", id="port other than 443"),
        pytest.param("https://gateway.prod.bill.com:99999/connect", id="port out of range"),
        pytest.param("https://api.bill.com/connect", id="another BILL host"),
    ],
)
def test_given_cloud_and_base_url_off_bills_gateways_when_validating_then_refused_with_a_clear_message(
    cloud, base_url
):
    with pytest.raises(ConfigError) as refused:
        validate_config(_config(base_url))

    message = str(refused.value)
    assert message.startswith(CLOUD_REFUSAL)
    assert all(host in message for host in GATEWAY_HOSTS)
    assert "Leave 'Base URL override' empty" in message
    assert "pass-word-9" not in message


def test_given_cloud_and_emulator_base_url_when_discovering_in_process_then_config_error(cloud):
    config = _config("http://127.0.0.1:8080/connect")

    with pytest.raises(AirbyteTracedException) as refused:
        SourceBill(config=config).discover(logging.getLogger("test"), config)

    assert refused.value.failure_type == FailureType.config_error
    assert str(refused.value).startswith(CLOUD_REFUSAL)


@pytest.mark.parametrize("deployment_mode", [None, "", "OSS"])
def test_given_no_cloud_deployment_when_validating_the_emulator_on_loopback_then_accepted(
    monkeypatch, deployment_mode
):
    if deployment_mode is None:
        monkeypatch.delenv("DEPLOYMENT_MODE", raising=False)
    else:
        monkeypatch.setenv("DEPLOYMENT_MODE", deployment_mode)

    config = _config("http://127.0.0.1:8080/connect")

    assert spec_error(config) is None
    validate_config(config)


def test_given_spec_then_base_url_pattern_admits_loopback_so_the_cloud_rule_is_a_runtime_check():
    """The platform validates a config against the one spec of the image, off cloud too, where the
    emulator on loopback is a valid override; a gateway-only pattern would refuse it. The spec's
    pattern only asks for an http(s) URL; the cloud rule lives in `spec_error`."""
    pattern = spec()["connectionSpecification"]["properties"]["base_url"]["pattern"]

    assert re.search(pattern, "http://127.0.0.1:8080/connect")
    assert re.search(pattern, "")
    assert not re.search(pattern, "ftp://127.0.0.1/connect")


# -- the OAuth token URL --------------------------------------------------------------------------

TOKEN_REFUSAL = "In Airbyte Cloud the token URL must be https:// on one of BILL's hosts"


def _oauth(base_url: str | None = None, token_url: str | None = None, environment: str | None = None) -> dict:
    builder = ConfigBuilder().oauth().with_base_url(base_url)
    if token_url is not None:
        builder = builder.with_option("token_url", token_url)
    if environment:
        builder = builder.with_environment(environment)
    return prepare_config(builder.build())


@pytest.mark.parametrize(
    ("base_url", "token_url", "environment"),
    [
        (None, None, "production"),
        (None, None, "sandbox"),
        (None, "", "sandbox"),
        ("https://gateway.prod.bill.com/connect", None, None),
        (None, "https://auth.prod.bill.com/authx/token", None),
        (None, "https://gateway.stage.bill.com/authx/token", "sandbox"),
        (None, "https://AUTH.STAGE.BILL.COM:443/authx/token", "sandbox"),
    ],
)
def test_given_cloud_and_oauth_token_endpoint_on_bills_hosts_when_validating_then_accepted(
    cloud, base_url, token_url, environment
):
    validate_config(_oauth(base_url, token_url, environment))


@pytest.mark.parametrize(
    "token_url",
    [
        pytest.param("http://auth.prod.bill.com/authx/token", id="http"),
        pytest.param("https://127.0.0.1:8443/authx/token", id="IP literal"),
        pytest.param("https://169.254.169.254/latest/meta-data", id="cloud metadata address"),
        pytest.param(
            "https://auth.prod.bill.com.evil.example/authx/token", id="BILL's name under another domain"
        ),
        pytest.param("https://user:token-pass-7@auth.prod.bill.com/authx/token", id="user info"),
        pytest.param("https://auth.prod.bill.com:8443/authx/token", id="port other than 443"),
        pytest.param("https://login.example/oauth/token", id="another identity provider"),
    ],
)
def test_given_cloud_and_token_url_off_bills_hosts_when_validating_then_refused_before_any_request(
    cloud, token_url
):
    config = _oauth(token_url=token_url)

    with pytest.raises(ConfigError) as refused:
        validate_config(config)

    message = str(refused.value)
    assert message.startswith(TOKEN_REFUSAL)
    assert "auth.prod.bill.com" in message and "Leave 'Token URL' empty" in message
    assert "token-pass-7" not in message
    assert spec_error(config) == message


def test_given_cloud_and_a_token_url_in_a_non_oauth_config_when_validating_then_refused_too(cloud):
    config = prepare_config(
        ConfigBuilder().with_base_url(None).with_option("token_url", "http://10.0.0.7/t").build()
    )

    with pytest.raises(ConfigError, match="token URL must be https://"):
        validate_config(config)


def test_given_no_cloud_deployment_when_validating_an_emulator_token_url_then_accepted(monkeypatch):
    monkeypatch.delenv("DEPLOYMENT_MODE", raising=False)

    validate_config(
        _oauth(base_url="http://127.0.0.1:8080/connect", token_url="http://127.0.0.1:8080/authx/token")
    )
