"""Streams that are not a plain list: customer bank accounts, the organization, partner users and roles."""

from __future__ import annotations

import json
from unittest import TestCase

from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from airbyte_cdk.test.mock_http.response_builder import FieldPath, find_template
from freezegun import freeze_time

from .config import API_ROOT, DEV_KEY, ORGANIZATION_ID, ConfigBuilder
from .request_builder import SESSION_ID, BillRequestBuilder, ap_ar_login_request, partner_login_request
from .response_builder import bill_error, login_response, page, record
from .source_runner import read_streams

NOW = "2025-03-01T12:00:00Z"


@freeze_time(NOW)
class CustomerBankAccountsTest(TestCase):
    @HttpMocker()
    def test_given_customers_when_read_then_one_request_per_customer_and_customer_id_added(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        # The parent walk reads every customer, whatever the start date, with no updatedTime filter.
        http_mocker.get(
            BillRequestBuilder.list("/customers").with_session().build(),
            page(record("customers").with_id("0cuA"), next_page="c2"),
        )
        http_mocker.get(
            BillRequestBuilder.list("/customers").with_page("c2").with_session().build(),
            page(record("customers").with_id("0cuB")),
        )
        http_mocker.get(
            BillRequestBuilder.list("/customers/0cuA/bank-accounts").with_session().build(),
            page(record("bank_accounts").with_id("bacA1"), record("bank_accounts").with_id("bacA2")),
        )
        http_mocker.get(
            BillRequestBuilder.list("/customers/0cuB/bank-accounts").with_session().build(), page()
        )

        output = read_streams(ConfigBuilder().with_start_date("2025-01-01").build(), "customer_bank_accounts")

        assert sorted((r.record.data["id"], r.record.data["customerId"]) for r in output.records) == [
            ("bacA1", "0cuA"),
            ("bacA2", "0cuA"),
        ]

    @HttpMocker()
    def test_given_customers_without_a_bank_account_when_read_then_only_the_others_are_asked(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        # Asked: hasBankAccount true, and absent (a BILL that does not send the field). Not asked: false.
        http_mocker.get(
            BillRequestBuilder.list("/customers").with_session().build(),
            page(
                record("customers").with_id("0cuA").with_field(FieldPath("hasBankAccount"), True),
                record("customers").with_id("0cuB").with_field(FieldPath("hasBankAccount"), False),
                record("customers").with_id("0cuC"),
                record("customers").with_id("0cuD").with_field(FieldPath("hasBankAccount"), None),
            ),
        )
        for customer in ("0cuA", "0cuC", "0cuD"):
            http_mocker.get(
                BillRequestBuilder.list(f"/customers/{customer}/bank-accounts").with_session().build(),
                page(record("bank_accounts").with_id(f"bac{customer[-1]}")),
            )

        output = read_streams(ConfigBuilder().build(), "customer_bank_accounts")

        assert sorted((r.record.data["id"], r.record.data["customerId"]) for r in output.records) == [
            ("bacA", "0cuA"),
            ("bacC", "0cuC"),
            ("bacD", "0cuD"),
        ]
        assert not output.errors  # a request for 0cuB would have found no mock


@freeze_time(NOW)
class OrganizationTest(TestCase):
    @HttpMocker()
    def test_given_signed_in_org_when_read_then_single_record_from_details_endpoint(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            HttpRequest(
                f"{API_ROOT}/organizations/{ORGANIZATION_ID}",
                headers={"devKey": DEV_KEY, "sessionId": SESSION_ID},
            ),
            HttpResponse(json.dumps(find_template("organization", __file__)), 200),
        )

        output = read_streams(ConfigBuilder().build(), "organization")

        assert [r.record.data["id"] for r in output.records] == [ORGANIZATION_ID]
        assert output.records[0].record.data["name"] == "Test Org Inc."

    @HttpMocker()
    def test_given_user_without_admin_role_when_read_organization_then_permission_message(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            HttpRequest(f"{API_ROOT}/organizations/{ORGANIZATION_ID}"),
            bill_error("BDC_1145", "Current user or organization does not have valid permissions.", 403),
        )

        output = read_streams(ConfigBuilder().build(), "organization", expecting_exception=True)

        errors = [e.trace.error for e in output.errors]
        assert any(
            e.failure_type == FailureType.config_error and "Administrator" in e.message for e in errors
        ), errors


@freeze_time(NOW)
class PartnerTest(TestCase):
    @HttpMocker()
    def test_given_organizations_when_read_partner_users_then_organization_header_and_field(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(partner_login_request(), login_response())
        http_mocker.get(
            BillRequestBuilder.list("/partner/organizations").with_partner_session().build(),
            page(record("organizations").with_id("008A"), record("organizations").with_id("008B")),
        )
        http_mocker.get(
            BillRequestBuilder.list("/partner/users").with_partner_session(organization_id="008A").build(),
            page(record("partner_users").with_id("006A")),
        )
        http_mocker.get(
            BillRequestBuilder.list("/partner/users").with_partner_session(organization_id="008B").build(),
            page(record("partner_users").with_id("006B")),
        )

        output = read_streams(ConfigBuilder().partner().build(), "partner_users")

        assert sorted((r.record.data["id"], r.record.data["organizationId"]) for r in output.records) == [
            ("006A", "008A"),
            ("006B", "008B"),
        ]

    @HttpMocker()
    def test_given_organizations_when_read_partner_roles_then_roles_endpoint(
        self, http_mocker: HttpMocker
    ) -> None:
        login = partner_login_request()
        http_mocker.post(login, login_response())
        http_mocker.get(
            BillRequestBuilder.list("/partner/organizations").with_partner_session().build(),
            page(record("organizations").with_id("008A")),
        )
        http_mocker.get(
            BillRequestBuilder.list("/partner/roles").with_partner_session(organization_id="008A").build(),
            page(record("generic").with_id("0poA")),
        )

        output = read_streams(ConfigBuilder().partner().build(), "partner_roles")

        assert [(r.record.data["id"], r.record.data["organizationId"]) for r in output.records] == [
            ("0poA", "008A")
        ]
        http_mocker.assert_number_of_calls(login, 1)
