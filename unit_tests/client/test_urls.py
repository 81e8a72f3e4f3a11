import pytest

from source_bill.client.urls import (
    PRODUCTION_ROOT,
    SANDBOX_ROOT,
    InvalidBaseUrlError,
    api_url,
    endpoint_url,
    normalize_root,
    root_url,
)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("production", PRODUCTION_ROOT),
        ("sandbox", SANDBOX_ROOT),
        (None, PRODUCTION_ROOT),
        (" Sandbox ", SANDBOX_ROOT),
    ],
)
def test_given_environment_when_resolving_root_then_bill_gateway(environment, expected):
    assert root_url(environment) == expected


def test_given_environments_then_roots_are_bills_documented_gateways():
    assert PRODUCTION_ROOT == "https://gateway.prod.bill.com/connect"
    assert SANDBOX_ROOT == "https://gateway.stage.bill.com/connect"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://localhost:8080/connect",
        "http://localhost:8080/connect/",
        "http://localhost:8080/connect/v3",
        "http://localhost:8080/connect/v3/",
        "http://localhost:8080/connect/V3//",
        "  http://localhost:8080/connect/v3  ",
    ],
)
def test_given_base_url_variants_when_normalizing_then_same_root_and_never_double_v3(base_url):
    assert normalize_root(base_url) == "http://localhost:8080/connect"
    assert api_url(base_url=base_url) == "http://localhost:8080/connect/v3"
    assert "/v3/v3" not in endpoint_url(api_url(base_url=base_url), "/v3/vendors")


def test_given_base_url_override_when_resolving_then_it_wins_over_environment():
    assert api_url("sandbox", "https://proxy.example/connect/") == "https://proxy.example/connect/v3"


def test_given_blank_base_url_when_resolving_then_environment_root_is_used():
    assert api_url("sandbox", "   ") == SANDBOX_ROOT + "/v3"


@pytest.mark.parametrize(
    "base_url", ["gateway.prod.bill.com/connect", "ftp://host/connect", "http://", "https://h/c?x=1"]
)
def test_given_unusable_base_url_when_normalizing_then_clear_error(base_url):
    with pytest.raises(InvalidBaseUrlError, match="base URL"):
        normalize_root(base_url)


def test_given_unknown_environment_when_resolving_then_clear_error():
    with pytest.raises(InvalidBaseUrlError, match="production"):
        root_url("staging")


@pytest.mark.parametrize("path", ["/vendors", "vendors", "/v3/vendors", "v3/vendors"])
def test_given_path_with_or_without_v3_when_joining_then_single_v3(path):
    assert endpoint_url("https://h/connect/v3", path) == "https://h/connect/v3/vendors"
