"""Every route the emulator serves, in one place. Paths are relative to `/connect`.

Auth kinds: PUBLIC (no headers), ORG (devKey + sessionId), PARTNER (appKey + sessionId),
PARTNER_ORG (partner session + organizationId header), SPEND (apiToken).
"""

from __future__ import annotations

from bill_emulator.backends import auth, customers, invoices, organizations
from bill_emulator.handlers import ORG, PARTNER, PARTNER_ORG, PUBLIC, Call, Endpoint, Reply, crud


def _login(call: Call) -> Reply:
    return Reply(200, auth.login(call.ctx, call.body, call.emulator.settings.sync_token_session_seconds))


def _logout(call: Call) -> Reply:
    auth.end_session(call.ctx, call.principal.session_id or "")
    return Reply(200)


def _health(call: Call) -> Reply:
    return Reply(
        200, {"appId": "bill-emulator", "appEnv": "emulator", "appVersion": "0.1.0", "bdcRegion": "local"}
    )


def authentication() -> list[Endpoint]:
    return [
        Endpoint("POST", "/v3/login", PUBLIC, _login, "login"),
        Endpoint(
            "GET",
            "/v3/login/session",
            ORG,
            lambda c: Reply(200, auth.session_details(c.ctx, c.principal)),
            "login.session",
        ),
        Endpoint("POST", "/v3/logout", ORG, _logout, "logout"),
        Endpoint("GET", "/v3/health", PUBLIC, _health, "health", limits=False),
        Endpoint(
            "POST",
            "/v3/partner/login",
            PUBLIC,
            lambda c: Reply(200, auth.partner_login(c.ctx, c.body)),
            "partner.login",
        ),
        Endpoint(
            "POST",
            "/v3/partner/login-as-user",
            PARTNER,
            lambda c: Reply(200, auth.login_as_user(c.ctx, c.principal, c.body)),
            "partner.login_as_user",
        ),
    ]


def organization_level() -> list[Endpoint]:
    return [
        Endpoint(
            "GET",
            "/v3/organizations/{organizationId}",
            ORG,
            organizations.get_organization,
            "organizations.get",
        ),
        Endpoint(
            "PATCH",
            "/v3/organizations/{organizationId}",
            ORG,
            organizations.update_organization,
            "organizations.patch",
        ),
        *crud(
            "/v3/users", organizations.USERS, ORG, "list get create patch archive restore", id_name="userId"
        ),
        *crud("/v3/roles", organizations.ROLES, ORG, "list get", id_name="roleId"),
    ]


def receivables() -> list[Endpoint]:
    c, i = customers, invoices
    return [
        *crud(
            "/v3/customers", c.CUSTOMERS, ORG, "list get create patch archive restore", id_name="customerId"
        ),
        Endpoint(
            "GET",
            "/v3/customers/{customerId}/bank-accounts",
            ORG,
            c.list_bank_accounts,
            "customer_bank_accounts.list",
        ),
        Endpoint(
            "POST",
            "/v3/customers/{customerId}/bank-accounts",
            ORG,
            c.create_bank_account,
            "customer_bank_accounts.create",
        ),
        Endpoint(
            "GET",
            "/v3/customers/{customerId}/bank-accounts/{bankAccountId}",
            ORG,
            c.get_bank_account,
            "customer_bank_accounts.get",
        ),
        Endpoint(
            "PATCH",
            "/v3/customers/{customerId}/bank-accounts/{bankAccountId}",
            ORG,
            c.update_bank_account,
            "customer_bank_accounts.patch",
        ),
        Endpoint(
            "POST",
            "/v3/customers/{customerId}/bank-accounts/{bankAccountId}/archive",
            ORG,
            c.archive_bank_account,
            "customer_bank_accounts.archive",
        ),
        Endpoint(
            "POST",
            "/v3/customers/{customerId}/charge-authorization",
            ORG,
            c.set_charge_authorization,
            "customers.charge_authorization",
        ),
        *crud("/v3/invoices", i.INVOICES, ORG, "list get", id_name="invoiceId"),
        Endpoint("POST", "/v3/invoices", ORG, i.create_invoice, "invoices.create"),
        Endpoint("POST", "/v3/invoices/record-payment", ORG, i.record_payment, "invoices.record_payment"),
        Endpoint(
            "PUT",
            "/v3/invoices/{invoiceId}",
            ORG,
            lambda call: i.update_invoice(call, replace=True),
            "invoices.put",
        ),
        Endpoint(
            "PATCH",
            "/v3/invoices/{invoiceId}",
            ORG,
            lambda call: i.update_invoice(call, replace=False),
            "invoices.patch",
        ),
        Endpoint(
            "POST",
            "/v3/invoices/{invoiceId}/archive",
            ORG,
            lambda call: i.archive_invoice(call, True),
            "invoices.archive",
        ),
        Endpoint(
            "POST",
            "/v3/invoices/{invoiceId}/restore",
            ORG,
            lambda call: i.archive_invoice(call, False),
            "invoices.restore",
        ),
        Endpoint(
            "POST", "/v3/invoices/{invoiceId}/payment-link", ORG, i.payment_link, "invoices.payment_link"
        ),
        Endpoint("POST", "/v3/invoices/{invoiceId}/email", ORG, i.send_invoice, "invoices.email"),
        *crud("/v3/receivable-payments", i.RECEIVABLE_PAYMENTS, ORG, "list", id_name="receivedPaymentId"),
        Endpoint(
            "GET",
            "/v3/receivable-payments/{receivedPaymentId}",
            ORG,
            i.get_received_payment,
            "receivable_payments.get",
        ),
        Endpoint("POST", "/v3/receivable-payments", ORG, i.charge_customer, "receivable_payments.charge"),
    ]


def payables() -> list[Endpoint]:
    # vendors, bills, AP payments, vendor credits, recurring bills, bill approvals, documents
    return []


def classifications() -> list[Endpoint]:
    # the seven classifications, funding accounts, attachments, MFA, risk verifications, network
    return []


def partner() -> list[Endpoint]:
    # /v3/partner/organizations, users, roles, price plan, risk verification phone
    return []


def spend_expense() -> list[Endpoint]:
    # /v3/spend/...
    return []


def endpoints() -> list[Endpoint]:
    return [
        *authentication(),
        *organization_level(),
        *receivables(),
        *payables(),
        *classifications(),
        *partner(),
        *spend_expense(),
    ]


__all__ = ["PARTNER_ORG", "endpoints"]
