"""Every route the emulator serves, in one place. Paths are relative to `/connect` (the webhook API's
to `/connect-events`, `base=CONNECT_EVENTS`); the OAuth token endpoint is also served at the gateway
root (`at_root`).

Auth kinds: PUBLIC (no headers), ORG (devKey + sessionId), PARTNER (appKey + sessionId),
PARTNER_ORG (partner session + organizationId header), SPEND (apiToken), EVENTS (the webhook API:
devKey + sessionId). ORG and SPEND routes also take `Authorization: Bearer <token>` from
POST /authx/token (backends/oauth.py).
"""

from __future__ import annotations

from functools import wraps

from bill_emulator.backends import (
    attachments,
    bills,
    credits,
    customers,
    invoices,
    oauth,
    organizations,
    payments,
    recurring,
    vendors,
)
from bill_emulator.backends import classifications as classifications_
from bill_emulator.backends.spend import ledger
from bill_emulator.handlers import (
    CONNECT_EVENTS,
    EVENTS,
    ORG,
    PARTNER,
    PARTNER_ORG,
    PUBLIC,
    SPEND,
    Call,
    Endpoint,
    Handler,
    Reply,
    crud,
)
from bill_emulator.responses import attachments as responses_attachments
from bill_emulator.responses import auth as responses_auth
from bill_emulator.responses import bills as responses_bills
from bill_emulator.responses import classifications as responses_classifications
from bill_emulator.responses import customers as responses_customers
from bill_emulator.responses import funding as responses_funding
from bill_emulator.responses import invoices as responses_invoices
from bill_emulator.responses import mfa as responses_mfa
from bill_emulator.responses import organizations as responses_organizations
from bill_emulator.responses import partner as responses_partner
from bill_emulator.responses import payments as responses_payments
from bill_emulator.responses import recurring as responses_recurring
from bill_emulator.responses import vendors as responses_vendors
from bill_emulator.responses import webhooks as responses_webhooks
from bill_emulator.responses.spend import (
    budgets,
    cards,
    custom_fields,
    reimbursements,
    transactions,
    users,
)


def authentication() -> list[Endpoint]:
    return [
        Endpoint("POST", "/v3/login", PUBLIC, responses_auth.login, "login"),
        Endpoint("GET", "/v3/login/session", ORG, responses_auth.session, "login.session", console=True),
        Endpoint(
            "GET",
            "/v3/login/organizations",
            ORG,
            responses_auth.login_organizations,
            "login.organizations",
            console=True,
        ),
        Endpoint("POST", "/v3/logout", ORG, responses_auth.logout, "logout", console=True),
        Endpoint("GET", "/v3/health", PUBLIC, responses_auth.health, "health", limits=False),
        Endpoint(
            "POST",
            oauth.TOKEN_PATH,
            PUBLIC,
            responses_auth.token,
            "oauth.token",
            raw_body=True,  # form data, not JSON
            at_root=True,
            errors="oauth",
        ),
        Endpoint(
            "POST",
            "/v3/partner/login",
            PUBLIC,
            responses_auth.partner_login,
            "partner.login",
        ),
        Endpoint(
            "POST",
            "/v3/partner/login-as-user",
            PARTNER,
            responses_auth.login_as_user,
            "partner.login_as_user",
        ),
    ]


def organization_level() -> list[Endpoint]:
    return [
        Endpoint(
            "GET",
            "/v3/organizations/{organizationId}",
            ORG,
            responses_organizations.get_organization,
            "organizations.get",
            console=True,
        ),
        Endpoint(
            "PATCH",
            "/v3/organizations/{organizationId}",
            ORG,
            responses_organizations.update_organization,
            "organizations.patch",
        ),
        *crud(
            "/v3/users", organizations.USERS, ORG, "list get create patch archive restore", id_name="userId"
        ),
        *crud("/v3/roles", organizations.ROLES, ORG, "list get", id_name="roleId"),
    ]


def receivables() -> list[Endpoint]:
    c, i = responses_customers, responses_invoices
    return [
        *crud(
            "/v3/customers",
            customers.CUSTOMERS,
            ORG,
            "list get create patch archive restore",
            id_name="customerId",
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
        *crud(
            "/v3/invoices",
            invoices.INVOICE_FAMILY,
            ORG,
            "list create get put patch archive restore",
            id_name="invoiceId",
        ),
        Endpoint("POST", "/v3/invoices/record-payment", ORG, i.record_payment, "invoices.record_payment"),
        Endpoint(
            "POST", "/v3/invoices/{invoiceId}/payment-link", ORG, i.payment_link, "invoices.payment_link"
        ),
        Endpoint("POST", "/v3/invoices/{invoiceId}/email", ORG, i.send_invoice, "invoices.email"),
        *crud(
            "/v3/receivable-payments", invoices.RECEIVABLE_PAYMENTS, ORG, "list", id_name="receivedPaymentId"
        ),
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
    # vendors, bills, AP payments, vendor credits, recurring bills, bill approvals, documents;
    # also AR credit memos and recurring invoices
    b, p, v = responses_bills, responses_payments, responses_vendors
    vendor = "/v3/vendors/{vendorId}"
    policy = "/v3/bill-approvals/policies/{policyId}"
    payment = "/v3/payments/{paymentId}"
    settle = payments.settle_due_payments  # reads of vendors, bills and payments see due payments processed
    return [
        # vendors
        *crud(
            "/v3/vendors",
            vendors.VENDOR_FAMILY,
            ORG,
            "list create bulk-create get patch archive restore",
            id_name="vendorId",
            refresh=settle,
        ),
        Endpoint(
            "GET",
            "/v3/vendors/configuration/international-payments",
            ORG,
            v.international_payments,
            "vendors.international_payments",
        ),
        Endpoint("GET", f"{vendor}/bank-account", ORG, v.get_bank_account, "vendor_bank_account.get"),
        Endpoint("POST", f"{vendor}/bank-account", ORG, v.create_bank_account, "vendor_bank_account.create"),
        Endpoint(
            "DELETE", f"{vendor}/bank-account", ORG, v.delete_bank_account, "vendor_bank_account.delete"
        ),
        Endpoint("GET", f"{vendor}/configuration", ORG, v.vendor_configuration, "vendors.configuration"),
        Endpoint(
            "GET",
            "/v3/reports/audit-trail/vendor/{vendorId}",
            ORG,
            v.audit_trail,
            "reports.vendor_audit_trail",
        ),
        # bills
        *crud(
            "/v3/bills",
            bills.BILL_FAMILY,
            ORG,
            "list create bulk-create get put patch archive restore",
            id_name="billId",
            refresh=settle,
        ),
        Endpoint("POST", "/v3/bills/record-payment", ORG, b.record_payment, "bills.record_payment"),
        # bill approvals
        Endpoint("POST", "/v3/bill-approvals/actions", ORG, b.approval_actions, "bill_approvals.actions"),
        Endpoint(
            "GET",
            "/v3/bill-approvals/pending-user-approvals",
            ORG,
            b.pending_approvals,
            "bill_approvals.pending",
        ),
        Endpoint("GET", "/v3/bill-approvals/policies", ORG, b.list_policies, "bill_approval_policies.list"),
        Endpoint(
            "POST", "/v3/bill-approvals/policies", ORG, b.create_policy, "bill_approval_policies.create"
        ),
        Endpoint("PUT", policy, ORG, b.update_policy, "bill_approval_policies.put"),
        Endpoint("DELETE", policy, ORG, b.delete_policy, "bill_approval_policies.delete"),
        # documents
        Endpoint("GET", "/v3/documents/bills/{billId}", ORG, b.list_documents, "documents.list"),
        Endpoint(
            "POST", "/v3/documents/bills/{billId}", ORG, b.upload_document, "documents.upload", raw_body=True
        ),
        Endpoint("GET", "/v3/documents/upload-status", ORG, b.upload_status, "documents.upload_status"),
        Endpoint("GET", "/v3/documents/{documentId}", ORG, b.get_document, "documents.get"),
        # AP payments
        Endpoint("GET", "/v3/payments", ORG, p.list_payments, "payments.list"),
        Endpoint("POST", "/v3/payments", ORG, p.create_payment, "payments.create"),
        Endpoint("POST", "/v3/payments/bulk", ORG, p.create_bulk_payment, "payments.bulk_create"),
        Endpoint("GET", "/v3/payments/exchange-rate", ORG, p.exchange_rate, "payments.exchange_rate"),
        Endpoint("GET", "/v3/payments/options", ORG, p.payment_options, "payments.options"),
        Endpoint("GET", payment, ORG, p.get_payment, "payments.get"),
        Endpoint("POST", f"{payment}/cancel", ORG, p.cancel_payment, "payments.cancel"),
        Endpoint("POST", f"{payment}/void", ORG, p.void_payment, "payments.void"),
        Endpoint("GET", f"{payment}/check-image", ORG, p.check_image, "payments.check_image"),
        # credit memos (AR) and vendor credits (AP)
        *crud(
            "/v3/credit-memos",
            credits.CREDIT_MEMO_FAMILY,
            ORG,
            "list create get put patch archive restore bulk-create bulk-put bulk-patch bulk-archive bulk-restore",
            id_name="creditMemoId",
        ),
        *crud(
            "/v3/vendor-credits",
            credits.VENDOR_CREDIT_FAMILY,
            ORG,
            "list create get put patch archive bulk-create bulk-put bulk-patch bulk-archive",
            id_name="vendorCreditId",
        ),
        # recurring invoices (AR) and recurring bills (AP, no dash)
        *crud(
            "/v3/recurring-invoices",
            recurring.RECURRING_INVOICE_FAMILY,
            ORG,
            "list create get put patch archive restore",
            id_name="recurringInvoiceId",
        ),
        *crud(
            "/v3/recurringbills",
            recurring.RECURRING_BILL_FAMILY,
            ORG,
            "list create get put patch archive restore",
            id_name="recurringBillId",
            guard=responses_recurring.autopay_guard,
        ),
    ]


def classifications() -> list[Endpoint]:
    # the seven classifications, funding accounts, attachments, MFA, risk verifications, organization extras
    att, cls, fa, ox = (
        responses_attachments,
        responses_classifications,
        responses_funding,
        responses_organizations,
    )
    routes: list[Endpoint] = []
    for kind, spec in classifications_.KINDS.items():
        path = f"/v3/classifications/{spec.segment}"
        routes += [
            Endpoint("POST", f"{path}/bulk", ORG, cls.bulk_create(kind), f"{kind}.bulk_create"),
            Endpoint("PATCH", f"{path}/bulk", ORG, cls.bulk_update(kind), f"{kind}.bulk_patch"),
            Endpoint(
                "POST", f"{path}/bulk/archive", ORG, cls.bulk_set_archived(kind, True), f"{kind}.bulk_archive"
            ),
            Endpoint(
                "POST",
                f"{path}/bulk/restore",
                ORG,
                cls.bulk_set_archived(kind, False),
                f"{kind}.bulk_restore",
            ),
            *crud(
                path,
                classifications_.RESOURCES[kind],
                ORG,
                "list get create patch archive restore",
                id_name="id",
            ),
        ]

    banks, cards = "/v3/funding-accounts/banks", "/v3/funding-accounts/cards"
    routes += [
        Endpoint("GET", banks, ORG, fa.list_bank_accounts, "bank_accounts.list"),
        Endpoint("POST", banks, ORG, fa.create_bank_account, "bank_accounts.create"),
        Endpoint("GET", f"{banks}/users", ORG, fa.list_bank_account_users, "bank_account_users.list"),
        Endpoint(
            "POST",
            f"{banks}/users/nominate",
            ORG,
            fa.nominate_bank_account_user,
            "bank_account_users.nominate",
        ),
        Endpoint(
            "POST",
            f"{banks}/users/{{bankAccountUserId}}/archive",
            ORG,
            fa.archive_bank_account_user,
            "bank_account_users.archive",
        ),
        Endpoint("GET", f"{banks}/{{bankAccountId}}", ORG, fa.get_bank_account, "bank_accounts.get"),
        Endpoint("PATCH", f"{banks}/{{bankAccountId}}", ORG, fa.update_bank_account, "bank_accounts.patch"),
        Endpoint(
            "POST",
            f"{banks}/{{bankAccountId}}/archive",
            ORG,
            fa.archive_bank_account,
            "bank_accounts.archive",
        ),
        Endpoint(
            "POST", f"{banks}/{{bankAccountId}}/verify", ORG, fa.verify_bank_account, "bank_accounts.verify"
        ),
        Endpoint("GET", cards, ORG, fa.list_card_accounts, "card_accounts.list"),
        Endpoint("GET", f"{cards}/users", ORG, fa.list_card_account_users, "card_account_users.list"),
        Endpoint(
            "GET",
            f"{cards}/funding-purposes",
            ORG,
            fa.card_funding_purposes,
            "card_accounts.funding_purposes",
        ),
        Endpoint("GET", f"{cards}/{{cardAccountId}}", ORG, fa.get_card_account, "card_accounts.get"),
        Endpoint("GET", "/v3/funding-accounts/ap-cards", ORG, fa.list_ap_cards, "ap_cards.list"),
        Endpoint(
            "GET", "/v3/funding-accounts/permissions", ORG, fa.permissions, "funding_accounts.permissions"
        ),
    ]

    for segment, (_kind, param, _label) in attachments.OWNERS.items():
        owner = f"/v3/attachments/{segment}/{{{param}}}"
        routes += [
            Endpoint("GET", owner, ORG, att.list_for(segment), f"attachments.list_{segment}"),
            Endpoint(
                "POST", owner, ORG, att.upload_for(segment), f"attachments.upload_{segment}", raw_body=True
            ),
        ]
    routes += [
        Endpoint("GET", "/v3/attachments/{attachmentId}", ORG, att.get_attachment, "attachments.get"),
        Endpoint(
            "DELETE", "/v3/attachments/{attachmentId}", ORG, att.delete_attachment, "attachments.delete"
        ),
    ]

    org = "/v3/organizations/{organizationId}"
    routes += [
        Endpoint("GET", "/v3/organizations/industries", ORG, ox.list_industries, "organizations.industries"),
        Endpoint(
            "GET", f"{org}/billing-statements", ORG, ox.list_billing_statements, "billing_statements.list"
        ),
        Endpoint(
            "GET",
            f"{org}/billing-statements/{{billingStatementId}}",
            ORG,
            ox.get_billing_statement,
            "billing_statements.get",
        ),
        Endpoint("GET", f"{org}/price-plan", ORG, ox.get_price_plan, "organizations.price_plan"),
    ]

    routes += [
        Endpoint("POST", "/v3/mfa/challenge", ORG, responses_mfa.challenge, "mfa.challenge"),
        Endpoint(
            "POST",
            "/v3/mfa/challenge/validate",
            ORG,
            responses_mfa.validate_challenge,
            "mfa.challenge_validate",
        ),
        Endpoint("GET", "/v3/mfa/phones", ORG, responses_mfa.list_phones, "mfa.phones"),
        Endpoint("POST", "/v3/mfa/setup", ORG, responses_mfa.setup, "mfa.setup"),
        Endpoint("POST", "/v3/mfa/setup/validate", ORG, responses_mfa.validate_setup, "mfa.setup_validate"),
        Endpoint("POST", "/v3/mfa/step-up", ORG, responses_mfa.step_up, "mfa.step_up"),
        Endpoint(
            "GET",
            "/v3/risk-verifications",
            ORG,
            responses_mfa.get_risk_verification,
            "risk_verifications.get",
        ),
        Endpoint(
            "POST",
            "/v3/risk-verifications",
            ORG,
            responses_mfa.initiate_risk_verification,
            "risk_verifications.create",
        ),
        Endpoint(
            "GET",
            "/v3/risk-verifications/phone",
            ORG,
            responses_mfa.get_risk_phone,
            "risk_verifications.phone",
        ),
        Endpoint(
            "POST",
            "/v3/risk-verifications/phone",
            ORG,
            responses_mfa.post_risk_phone,
            "risk_verifications.add_phone",
        ),
    ]
    return routes


def partner() -> list[Endpoint]:
    """The partner's organizations and price plans (PARTNER), and users, roles and risk-verification
    phones of the organization in the organizationId header (PARTNER_ORG)."""
    p = responses_partner
    return [
        *crud(
            "/v3/partner/organizations",
            organizations.ORGANIZATIONS,
            PARTNER,
            "list",
            id_name="organizationId",
        ),
        Endpoint(
            "POST",
            "/v3/partner/organizations",
            PARTNER,
            p.create_organization,
            "partner.organizations.create",
        ),
        Endpoint(
            "PATCH",
            "/v3/partner/organizations/{organizationId}/price-plan",
            PARTNER,
            p.update_price_plan,
            "partner.organizations.price_plan",
        ),
        Endpoint(
            "POST",
            "/v3/partner/risk-verifications/{userId}/phone",
            PARTNER_ORG,
            p.add_risk_phone,
            "partner.risk_verifications.phone",
        ),
        *crud("/v3/partner/roles", organizations.ROLES, PARTNER_ORG, "list get", id_name="roleId"),
        *crud(
            "/v3/partner/users",
            organizations.USERS,
            PARTNER_ORG,
            "list get archive restore",
            id_name="userId",
        ),
        Endpoint("POST", "/v3/partner/users", PARTNER_ORG, p.create_user, "partner.users.create"),
        Endpoint("PATCH", "/v3/partner/users/{userId}", PARTNER_ORG, p.update_user, "partner.users.patch"),
    ]


def spend_expense() -> list[Endpoint]:
    """Spend & Expense (apiToken): the collection's 52 routes. Literal segments (bulk, current,
    receipt-upload-url, image-upload-url) win over {id} captures in the router."""
    b, c, f, r, t, u = budgets, cards, custom_fields, reimbursements, transactions, users
    budget, member = "/v3/spend/budgets/{budgetId}", "/v3/spend/budgets/{budgetId}/members/{userId}"
    card, field = "/v3/spend/cards/{cardId}", "/v3/spend/custom-fields/{customFieldId}"
    claim, tx = "/v3/spend/reimbursements/{reimbursementId}", "/v3/spend/transactions/{transactionId}"
    routes = [
        ("GET", "/v3/spend/budgets", b.list_budgets, "budgets.list"),
        ("POST", "/v3/spend/budgets", b.create_budget, "budgets.create"),
        ("GET", budget, b.get_budget, "budgets.get"),
        ("PATCH", budget, b.update_budget, "budgets.patch"),
        ("DELETE", budget, b.delete_budget, "budgets.delete"),
        ("GET", f"{budget}/members", b.list_members, "budget_members.list"),
        ("PUT", f"{budget}/members/bulk", b.bulk_members, "budget_members.bulk_put"),
        ("GET", member, b.get_member, "budget_members.get"),
        ("PUT", member, b.upsert_member, "budget_members.put"),
        ("DELETE", member, b.delete_member, "budget_members.delete"),
        ("GET", "/v3/spend/cards", c.list_cards, "cards.list"),
        ("POST", "/v3/spend/cards", c.create_card, "cards.create"),
        ("GET", card, c.get_card, "cards.get"),
        ("PATCH", card, c.update_card, "cards.patch"),
        ("DELETE", card, c.delete_card, "cards.delete"),
        ("POST", f"{card}/freeze", c.freeze_card, "cards.freeze"),
        ("POST", f"{card}/unfreeze", c.unfreeze_card, "cards.unfreeze"),
        ("GET", f"{card}/pan-jwt", c.pan_jwt, "cards.pan_jwt"),
        ("GET", "/v3/spend/custom-fields", f.list_custom_fields, "custom_fields.list"),
        ("POST", "/v3/spend/custom-fields", f.create_custom_field, "custom_fields.create"),
        ("GET", field, f.get_custom_field, "custom_fields.get"),
        ("PATCH", field, f.update_custom_field, "custom_fields.patch"),
        ("DELETE", field, f.delete_custom_field, "custom_fields.delete"),
        ("GET", f"{field}/values", f.list_values, "custom_field_values.list"),
        ("POST", f"{field}/values", f.create_values, "custom_field_values.create"),
        ("DELETE", f"{field}/values", f.delete_values, "custom_field_values.delete"),
        ("GET", f"{field}/values/{{customFieldValueId}}", f.get_value, "custom_field_values.get"),
        ("GET", "/v3/spend/reimbursements", r.list_reimbursements, "reimbursements.list"),
        ("POST", "/v3/spend/reimbursements", r.create_reimbursement, "reimbursements.create"),
        (
            "POST",
            "/v3/spend/reimbursements/image-upload-url",
            r.image_upload_url,
            "reimbursements.upload_url",
        ),
        ("GET", claim, r.get_reimbursement, "reimbursements.get"),
        ("PATCH", claim, r.update_reimbursement, "reimbursements.patch"),
        ("DELETE", claim, r.delete_reimbursement, "reimbursements.delete"),
        ("POST", f"{claim}/action", r.act, "reimbursements.action"),
        ("POST", f"{claim}/receipts", r.add_receipt, "reimbursements.receipts.create"),
        ("DELETE", f"{claim}/receipts/{{receiptId}}", r.delete_receipt, "reimbursements.receipts.delete"),
        ("GET", "/v3/spend/transactions", t.list_transactions, "transactions.list"),
        (
            "POST",
            "/v3/spend/transactions/receipt-upload-url",
            t.receipt_upload_url,
            "transactions.upload_url",
        ),
        (
            "POST",
            "/v3/spend/transactions/{acsTransactionId}/3ds-challenge",
            t.three_ds_challenge,
            "transactions.3ds",
        ),
        ("GET", tx, t.get_transaction, "transactions.get"),
        ("PUT", tx, t.update_transaction, "transactions.put"),
        ("GET", f"{tx}/custom-fields", t.list_custom_fields, "transactions.custom_fields.list"),
        ("PUT", f"{tx}/custom-fields", t.update_custom_fields, "transactions.custom_fields.put"),
        (
            "GET",
            f"{tx}/custom-fields/{{customFieldId}}/values",
            t.list_custom_field_values,
            "transactions.custom_field_values.list",
        ),
        ("POST", f"{tx}/receipts", t.add_receipt, "transactions.receipts.create"),
        ("DELETE", f"{tx}/receipts/{{receiptId}}", t.delete_receipt, "transactions.receipts.delete"),
        ("GET", "/v3/spend/users", u.list_users, "users.list"),
        ("POST", "/v3/spend/users", u.create_user, "users.create"),
        ("GET", "/v3/spend/users/current", u.get_current_user, "users.current"),
        ("GET", "/v3/spend/users/{userId}", u.get_user, "users.get"),
        ("PATCH", "/v3/spend/users/{userId}", u.update_user, "users.patch"),
        ("DELETE", "/v3/spend/users/{userId}", u.delete_user, "users.delete"),
    ]
    return [
        Endpoint(method, path, SPEND, settled(handler), f"spend.{name}")
        for method, path, handler, name in routes
    ]


def webhooks() -> list[Endpoint]:
    """The webhook API, under /connect-events: the events catalog, subscriptions (with their security
    key and a test notification) and each subscription's events (with resend). BILL's pages spell the
    key route `security-key` and its API reference and collection `security_key`: both are served."""
    w = responses_webhooks
    subscription, events = "/v3/subscriptions/{subscriptionId}", "/v3/events/subscription/{subscriptionId}"
    routes = [
        ("GET", "/v3/events/catalog", w.catalog, "events.catalog"),
        ("GET", events, w.list_events, "events.list"),
        ("POST", f"{events}/event/{{eventId}}", w.resend_event, "events.resend"),
        ("GET", "/v3/subscriptions", w.list_subscriptions, "subscriptions.list"),
        ("POST", "/v3/subscriptions", w.create_subscription, "subscriptions.create"),
        ("GET", subscription, w.get_subscription, "subscriptions.get"),
        ("PUT", subscription, w.replace_subscription, "subscriptions.put"),
        ("PATCH", subscription, w.update_subscription, "subscriptions.patch"),
        ("DELETE", subscription, w.delete_subscription, "subscriptions.delete"),
        ("POST", f"{subscription}/security_key", w.new_security_key, "subscriptions.security_key"),
        ("POST", f"{subscription}/security-key", w.new_security_key, "subscriptions.security_key"),
        ("POST", f"{subscription}/test", w.test_event, "subscriptions.test"),
    ]
    return [
        Endpoint(method, path, EVENTS, handler, name, base=CONNECT_EVENTS)
        for method, path, handler, name in routes
    ]


def settled(handler: Handler) -> Handler:
    """Every S&E call first brings time-driven state up to date (clearings, budget periods)."""

    @wraps(handler)
    def wrapped(call: Call) -> Reply:
        ledger.settle(call.ctx)
        return handler(call)

    return wrapped


def endpoints() -> list[Endpoint]:
    return [
        *authentication(),
        *organization_level(),
        *receivables(),
        *payables(),
        *classifications(),
        *partner(),
        *spend_expense(),
        *webhooks(),
    ]


__all__ = ["PARTNER_ORG", "endpoints"]
