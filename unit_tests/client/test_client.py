import pytest
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from source_bill.client import BillApiError, BillClient, ErrorKind, RepeatedCursorError
from source_bill.client.auth import (
    ApArCredentials,
    CredentialsError,
    PartnerCredentials,
    SpendExpenseCredentials,
)
from unit_tests.integration.config import API_TOKEN, APP_KEY, DEV_KEY, PASSWORD, SECRETS, ConfigBuilder
from unit_tests.integration.request_builder import (
    SECOND_SESSION_ID,
    SESSION_ID,
    BillRequestBuilder,
    ap_ar_login_request,
    partner_login_request,
)
from unit_tests.integration.response_builder import bill_error, login_response, page, session_invalid


def _client(config=None, **kwargs):
    return BillClient.from_config(config or ConfigBuilder().build(), sleep=lambda s: None, **kwargs)


def test_given_ap_ar_config_when_requesting_then_logs_in_and_sends_dev_key_and_session():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder("/vendors").with_param("max", "1").with_session().build(),
            page({"id": "v1"}),
        )
        assert _client().get("/v3/vendors", max=1) == {"results": [{"id": "v1"}]}


def test_given_partner_config_when_requesting_then_app_key_and_session_headers():
    with HttpMocker() as http:
        http.post(partner_login_request(), login_response())
        http.get(BillRequestBuilder("/partner/organizations").with_partner_session().build(), page())
        assert _client(ConfigBuilder().partner().build()).get("/v3/partner/organizations") == {"results": []}


def test_given_spend_config_when_requesting_then_api_token_header_and_no_login():
    with HttpMocker() as http:
        http.get(BillRequestBuilder("/spend/users").with_api_token(API_TOKEN).build(), page())
        client = _client(ConfigBuilder().spend_expense().build())
        assert client.sessions is None
        assert client.get("/v3/spend/users") == {"results": []}


def test_given_expired_session_when_requesting_then_relogs_in_once_and_retries():
    with HttpMocker() as http:
        login = ap_ar_login_request()
        http.post(login, [login_response(SESSION_ID), login_response(SECOND_SESSION_ID)])
        http.get(BillRequestBuilder("/vendors").with_session(SESSION_ID).build(), session_invalid())
        http.get(BillRequestBuilder("/vendors").with_session(SECOND_SESSION_ID).build(), page({"id": "v1"}))
        client = _client()
        assert client.get("/vendors")["results"] == [{"id": "v1"}]
        http.assert_number_of_calls(login, 2)


def test_given_session_rejected_after_relogin_when_requesting_then_raises_session_error():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), [login_response(SESSION_ID), login_response(SECOND_SESSION_ID)])
        http.get(BillRequestBuilder("/vendors").with_session(SESSION_ID).build(), session_invalid())
        http.get(BillRequestBuilder("/vendors").with_session(SECOND_SESSION_ID).build(), session_invalid())
        with pytest.raises(BillApiError) as raised:
            _client().get("/vendors")
        assert raised.value.kind is ErrorKind.SESSION_INVALID


@pytest.mark.parametrize("status", [429, 422, 400])
def test_given_concurrency_limit_under_any_status_when_requesting_then_backs_off_and_retries(status):
    sleeps = []
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder("/vendors").with_session().build(),
            [
                bill_error("BDC_1322", "Max number of concurrent requests per organization reached.", status),
                page(),
            ],
        )
        client = BillClient.from_config(ConfigBuilder().build(), sleep=sleeps.append)
        assert client.get("/vendors") == {"results": []}
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 30


def test_given_hourly_limit_when_requesting_then_raised_for_the_caller_to_decide():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder("/vendors").with_session().build(),
            bill_error("BDC_1144", "Max number of allowed requests per hour reached: 20000.", 422),
        )
        with pytest.raises(BillApiError) as raised:
            _client().get("/vendors")
        assert raised.value.kind is ErrorKind.HOURLY_LIMIT


def test_given_pages_when_iterating_then_follows_next_page_with_page_param_until_absent():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder.list("/vendors").with_session().build(), page({"id": "1"}, next_page="c1")
        )
        http.get(
            BillRequestBuilder.list("/vendors").with_page("c1").with_session().build(), page(next_page="c2")
        )
        http.get(
            BillRequestBuilder.list("/vendors").with_page("c2").with_session().build(),
            page({"id": "2"}, next_page=None),
        )
        assert [r["id"] for r in _client().iter_records("/v3/vendors")] == ["1", "2"]


def test_given_spend_pages_when_iterating_then_next_page_param_and_cap_50():
    with HttpMocker() as http:
        http.get(
            BillRequestBuilder("/spend/transactions").with_max(50).with_api_token(API_TOKEN).build(),
            page({"id": "t1"}, next_page="n1"),
        )
        http.get(
            BillRequestBuilder("/spend/transactions")
            .with_max(50)
            .with_next_page("n1")
            .with_api_token(API_TOKEN)
            .build(),
            page({"id": "t2"}),
        )
        client = _client(ConfigBuilder().spend_expense().build())
        assert [r["id"] for r in client.iter_records("/v3/spend/transactions", page_size=100)] == ["t1", "t2"]


def test_given_repeated_cursor_when_iterating_then_clear_error_instead_of_loop():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(BillRequestBuilder.list("/vendors").with_session().build(), page(next_page="same"))
        http.get(
            BillRequestBuilder.list("/vendors").with_page("same").with_session().build(),
            page(next_page="same"),
        )
        with pytest.raises(RepeatedCursorError):
            list(_client().iter_records("/vendors"))


def test_given_html_success_when_requesting_then_not_bill_error():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder("/vendors").with_session().build(), HttpResponse("<html>hello</html>", 200)
        )
        with pytest.raises(BillApiError) as raised:
            _client().get("/vendors")
        assert raised.value.kind is ErrorKind.NOT_BILL


def test_given_client_when_printing_then_no_secret_in_repr():
    client = _client()
    for text in (repr(client), repr(client.credentials), str(client.credentials)):
        for secret in SECRETS:
            assert secret not in text
    assert "****" in repr(client.credentials)


def test_given_credentials_of_each_kind_when_printing_then_masked():
    for credentials in (
        ApArCredentials("u", PASSWORD, "008x", DEV_KEY),
        PartnerCredentials("u", PASSWORD, APP_KEY),
        SpendExpenseCredentials(API_TOKEN),
    ):
        assert not any(secret in repr(credentials) for secret in SECRETS)


def test_given_incomplete_credentials_when_building_then_names_the_missing_field():
    config = ConfigBuilder().build()
    del config["credentials"]["dev_key"]
    with pytest.raises(CredentialsError, match="dev_key"):
        BillClient.from_config(config)


def test_given_login_when_sent_then_body_uses_bill_v3_field_names():
    # The login mock matches only this exact JSON body: username, password, organizationId, devKey.
    login = ap_ar_login_request()
    assert set(login._body) == {"username", "password", "organizationId", "devKey"}
    with HttpMocker() as http:
        http.post(login, login_response())
        http.get(BillRequestBuilder("/users").with_session().build(), page())
        _client().get("/users")
        http.assert_number_of_calls(login, 1)
