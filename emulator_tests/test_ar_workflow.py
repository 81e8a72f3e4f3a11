"""BILL's AR recipe end to end over HTTP: customer → bank account → invoice → authorization → charge."""

from __future__ import annotations

import pytest

from bill_emulator import EmulatorSettings, running_emulator
from emulator_tests.wire import assert_bill_error, org_session


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny")) as running:
        yield running


def test_given_the_ar_recipe_when_followed_then_invoice_is_paid_and_payment_recorded(server):
    s = org_session(server)
    base = server.base_url
    customer = s.post(
        f"{base}/v3/customers",
        json={
            "name": "Paperless Band",
            "companyName": "Paperless Band LLC",
            "email": "contact@paperlessband.example",
            "accountType": "BUSINESS",
            "contact": {"firstName": "Check", "lastName": "Mailworth"},
            "billingAddress": {
                "line1": "987 Side Street",
                "city": "San Jose",
                "stateOrProvince": "CA",
                "zipOrPostalCode": "95002",
                "country": "US",
            },
        },
    )
    assert customer.status_code == 201, customer.text
    customer = customer.json()
    assert customer["id"].startswith("0cu") and len(customer["id"]) == 20
    assert customer["billingAddress"]["countryName"] == "United States"

    account = s.post(
        f"{base}/v3/customers/{customer['id']}/bank-accounts",
        json={
            "nameOnAccount": "Paperless Band LLC",
            "routingNumber": "011000015",
            "accountNumber": "123456789",
            "type": "CHECKING",
            "ownerType": "BUSINESS",
        },
    )
    assert account.status_code == 201, account.text
    account = account.json()
    assert account["accountNumber"].endswith("6789") and "12345" not in account["accountNumber"]

    invoice = s.post(
        f"{base}/v3/invoices",
        json={
            "customer": {"id": customer["id"]},
            "invoiceNumber": "AR-RECIPE-1",
            "dueDate": "2030-12-31",
            "invoiceLineItems": [
                {"quantity": 2, "description": "Drum sticks", "price": 14.99},
                {"quantity": 1, "description": "Guitar picks", "price": 50},
            ],
            "processingOptions": {"sendEmail": False},
        },
    )
    assert invoice.status_code == 201, invoice.text
    invoice = invoice.json()
    assert invoice["totalAmount"] == 79.98 and invoice["dueAmount"] == 79.98 and invoice["status"] == "OPEN"

    link = s.post(
        f"{base}/v3/invoices/{invoice['id']}/payment-link",
        json={"customerId": customer["id"], "email": customer["email"]},
    )
    assert link.status_code == 200 and link.json()["paymentLink"].startswith("https://")

    charge_body = {
        "customerId": customer["id"],
        "fundingAccount": {"id": account["id"], "type": "BANK_ACCOUNT"},
        "invoicePayments": [{"invoiceId": invoice["id"], "amount": 79.98}],
        "description": "Recipe",
    }
    refused = s.post(f"{base}/v3/receivable-payments", json=charge_body)
    assert_bill_error(refused, 422)

    auth = s.post(
        f"{base}/v3/customers/{customer['id']}/charge-authorization", json={"authorizedToCharge": True}
    )
    assert auth.status_code == 200 and auth.json()["authorizedToCharge"] is True

    payment = s.post(f"{base}/v3/receivable-payments", json=charge_body)
    assert payment.status_code == 201, payment.text
    payment = payment.json()
    assert payment["id"].startswith("0rp") and payment["status"] == "PAID" and payment["amount"] == 79.98

    paid = s.get(f"{base}/v3/invoices/{invoice['id']}").json()
    assert paid["dueAmount"] == 0 and paid["status"] == "PAID_IN_FULL"
    assert paid["payments"][0]["id"] == payment["id"]
    assert paid["updatedTime"] >= invoice["updatedTime"]
    listed = s.get(f"{base}/v3/receivable-payments", params={"filters": f"id:eq:{payment['id']}"}).json()[
        "results"
    ]
    assert listed == [payment]


def test_given_customer_without_billing_address_when_adding_bank_account_then_refused(server):
    s = org_session(server)
    customer = s.post(f"{server.base_url}/v3/customers", json={"name": "No Address Co"}).json()
    response = s.post(
        f"{server.base_url}/v3/customers/{customer['id']}/bank-accounts",
        json={"nameOnAccount": "No Address Co", "routingNumber": "011000015", "accountNumber": "99990000"},
    )
    assert_bill_error(response, 422)


def test_given_customer_id_instead_of_customer_object_when_creating_invoice_then_400(server):
    s = org_session(server)
    customer_id = s.get(f"{server.base_url}/v3/customers", params={"max": 1}).json()["results"][0]["id"]
    lines = [{"quantity": 1, "description": "x", "price": 1}]
    error = assert_bill_error(
        s.post(f"{server.base_url}/v3/invoices", json={"customerId": customer_id, "invoiceLineItems": lines}),
        400,
    )
    assert "customer" in error["message"]
    assert_bill_error(
        s.post(f"{server.base_url}/v3/invoices", json={"customer": customer_id, "invoiceLineItems": lines}),
        400,
    )


def test_given_duplicate_invoice_number_when_creating_then_422(server):
    s = org_session(server)
    customer_id = s.get(f"{server.base_url}/v3/customers", params={"max": 1}).json()["results"][0]["id"]
    body = {
        "customer": {"id": customer_id},
        "invoiceNumber": "DUP-1",
        "invoiceLineItems": [{"quantity": 1, "price": 5}],
    }
    assert s.post(f"{server.base_url}/v3/invoices", json=body).status_code == 201
    assert_bill_error(s.post(f"{server.base_url}/v3/invoices", json=body), 422)


def test_given_record_payment_when_partial_then_status_partial_and_balance_drops(server):
    s = org_session(server)
    base = server.base_url
    customer = s.post(f"{base}/v3/customers", json={"name": "Partial Payer"}).json()
    invoice = s.post(
        f"{base}/v3/invoices",
        json={"customer": {"id": customer["id"]}, "invoiceLineItems": [{"quantity": 1, "price": 100}]},
    ).json()
    assert s.get(f"{base}/v3/customers/{customer['id']}").json()["balance"]["amount"] == 100
    recorded = s.post(
        f"{base}/v3/invoices/record-payment",
        json={
            "amount": "40",
            "customerId": customer["id"],
            "invoices": [{"amount": "40", "id": invoice["id"]}],
            "paymentDate": "2026-01-15",
            "paymentType": "CHECK",
            "description": "Check 1001",
        },
    )
    assert recorded.status_code == 200, recorded.text
    after = s.get(f"{base}/v3/invoices/{invoice['id']}").json()
    assert after["dueAmount"] == 60 and after["status"] == "PARTIAL_PAYMENT"
    assert s.get(f"{base}/v3/customers/{customer['id']}").json()["balance"]["amount"] == 60


def test_given_archive_and_restore_when_listing_then_archived_flag_round_trips(server):
    s = org_session(server)
    customer = s.post(f"{server.base_url}/v3/customers", json={"name": "Archive Me"}).json()
    archived = s.post(f"{server.base_url}/v3/customers/{customer['id']}/archive").json()
    assert archived["archived"] is True and archived["updatedTime"] >= customer["updatedTime"]
    found = s.get(f"{server.base_url}/v3/customers", params={"filters": f"id:eq:{customer['id']}"}).json()[
        "results"
    ]
    assert found[0]["archived"] is True
    assert s.post(f"{server.base_url}/v3/customers/{customer['id']}/restore").json()["archived"] is False


def test_given_seeded_data_when_reading_invoices_then_amounts_agree_with_payments(server):
    s = org_session(server)
    from emulator_tests.wire import walk

    for invoice in walk(s, f"{server.base_url}/v3/invoices", {"max": 100}):
        paid = sum(p["amount"] for p in invoice["payments"] if p["status"] == "PAID")
        assert invoice["dueAmount"] == pytest.approx(
            max(invoice["totalAmount"] - paid - invoice["creditAmount"], 0)
        )
        if invoice["dueAmount"] == 0:
            assert invoice["status"] == "PAID_IN_FULL"
