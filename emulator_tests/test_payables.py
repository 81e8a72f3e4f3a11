"""Payables (vendors, bills, approvals, documents, AP payments, vendor credits, recurring bills) and the AR
credit memos and recurring invoices, as BILL documents them. Shapes are checked against the example
responses of BILL's official Postman collection (the facts-only fixture in tests_support/data)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import pytest
import requests

from bill_emulator import EmulatorSettings, running_emulator
from emulator_tests.wire import assert_bill_error, org_session, walk
from tests_support.collection import folder

FUTURE = (date.today() + timedelta(days=10)).isoformat()
PDF = b"%PDF-1.4\n% source-bill payables test\n%%EOF\n"


# -- the collection's examples ---------------------------------------------------------------------
@lru_cache(maxsize=1)
def _examples() -> dict[str, tuple[int, Any]]:
    """(group, request name) -> (success status, parsed example body) for the AP & AR folder."""
    found: dict[str, tuple[int, Any]] = {}

    def walk_items(items: list[dict[str, Any]], trail: tuple[str, ...]) -> None:
        for item in items:
            if "item" in item:
                walk_items(item["item"], (*trail, item["name"]))
                continue
            for response in item.get("response") or []:
                if response.get("code") in (200, 201, 204):
                    body = response.get("body") or ""
                    found[f"{trail[-1]}/{item['name']}"] = (
                        response["code"],
                        json.loads(body) if body.strip() else None,
                    )
                    break

    walk_items(folder("AP & AR")["item"], ("AP & AR",))
    return found


def missing_keys(example: Any, actual: Any, path: str = "") -> list[str]:
    """Keys of the example the actual answer lacks (arrays: every actual item against the example's
    items; list cursors are optional)."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [path or "(top level)"] if actual is not None else []
        gaps = []
        for key, value in example.items():
            if key in ("nextPage", "prevPage"):
                continue
            if key not in actual:
                gaps.append(f"{path}.{key}".lstrip("."))
            else:
                gaps += missing_keys(value, actual[key], f"{path}.{key}".lstrip("."))
        return gaps
    if isinstance(example, list) and example and isinstance(actual, list):
        return [
            gap
            for item in actual
            for sample in example[:1]
            for gap in missing_keys(sample, item, f"{path}[]")
        ]
    return []


def check(response: requests.Response, request_name: str) -> Any:
    """The response has the collection's success status and every key of its example."""
    status, example = _examples()[request_name]
    assert response.status_code == status, (request_name, response.status_code, response.text[:500])
    if example is None:
        assert not response.content
        return None
    body = response.json()
    gaps = missing_keys(example, body)
    assert not gaps, f"{request_name}: missing {sorted(set(gaps))}"
    return body


# -- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="small", seed=23)) as running:
        yield running


@pytest.fixture(scope="module")
def api(server) -> requests.Session:
    return org_session(server)


def trusted_session(server) -> requests.Session:
    """A session after MFA step-up. The step-up itself has its own tests; here the emulator's session
    record is marked trusted directly."""
    session = org_session(server)
    server.emulator.store.execute(
        "UPDATE sessions SET trusted = 1 WHERE session_id = ?", (session.headers["sessionId"],)
    )
    return session


@pytest.fixture(scope="module")
def trusted(server) -> requests.Session:
    return trusted_session(server)


def url(server, path: str) -> str:
    return f"{server.base_url}{path}"


_counter = iter(range(1, 10_000))


def new_vendor(server, api, **extra: Any) -> dict[str, Any]:
    n = next(_counter)
    body = {
        "name": f"Test Vendor {n}",
        "email": f"ap{n}@vendor.example",
        "address": {"line1": "1 Main St", "city": "Austin", "zipOrPostalCode": "78701", "country": "US"},
        **extra,
    }
    response = api.post(url(server, "/v3/vendors"), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def new_bill(server, api, vendor_id: str, *amounts: float) -> dict[str, Any]:
    body = {
        "vendorId": vendor_id,
        "dueDate": FUTURE,
        "invoice": {"invoiceNumber": f"T-{next(_counter)}", "invoiceDate": date.today().isoformat()},
        "billLineItems": [
            {"amount": a, "description": f"line {i}"} for i, a in enumerate(amounts or (100.0,))
        ],
    }
    response = api.post(url(server, "/v3/bills"), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def get(server, api, path: str) -> dict[str, Any]:
    response = api.get(url(server, path))
    assert response.status_code == 200, response.text
    return response.json()


# -- seeded data -------------------------------------------------------------------------------------
def test_given_the_seed_when_listing_payables_then_ids_and_amounts_are_mutually_consistent(server, api):
    vendors = {v["id"]: v for v in walk(api, url(server, "/v3/vendors"), {"max": 100})}
    bills = walk(api, url(server, "/v3/bills"), {"max": 100})
    payments = walk(api, url(server, "/v3/payments"), {"max": 100})
    credits = walk(api, url(server, "/v3/vendor-credits"), {"max": 100})
    assert len(vendors) >= 30 and len(bills) >= 240 and len(payments) > len(bills) / 2
    assert all(i.startswith("009") for i in vendors) and all(b["id"].startswith("00n") for b in bills)
    assert all(p["id"].startswith("stp") for p in payments)
    paid: dict[str, float] = {}
    credited: dict[str, float] = {}
    for payment in payments:
        assert payment["vendorName"] == vendors[payment["vendorId"]]["name"]
        assert payment["amount"] == pytest.approx(sum(bp["amount"] for bp in payment["billPayments"]))
        if payment["status"] == "PAID":
            for item in payment["billPayments"]:
                paid[item["billId"]] = paid.get(item["billId"], 0.0) + item["amount"]
                for used in item["vendorCredits"]:
                    credited[item["billId"]] = credited.get(item["billId"], 0.0) + used["amount"]
    owed: dict[str, float] = {}
    for bill in bills:
        assert bill["vendorName"] == vendors[bill["vendorId"]]["name"]
        assert bill["amount"] == pytest.approx(sum(line["amount"] for line in bill["billLineItems"]))
        assert bill["paidAmount"] == pytest.approx(paid.get(bill["id"], 0.0))
        assert bill["creditAmount"] == pytest.approx(credited.get(bill["id"], 0.0))
        assert bill["dueAmount"] == pytest.approx(bill["amount"] - bill["paidAmount"] - bill["creditAmount"])
        expected = (
            "PAID"
            if bill["dueAmount"] == 0
            else "SCHEDULED"
            if bill["scheduledAmount"]
            else "PARTIAL"
            if bill["paidAmount"] or bill["creditAmount"]
            else "UNPAID"
        )
        assert bill["paymentStatus"] == expected, bill
        assert bill["createdTime"] <= bill["updatedTime"]
        if not bill["archived"]:
            owed[bill["vendorId"]] = owed.get(bill["vendorId"], 0.0) + bill["dueAmount"]
    for vendor_id, vendor in vendors.items():
        assert vendor["balance"]["amount"] == pytest.approx(owed.get(vendor_id, 0.0), abs=0.01)
    for credit in credits:
        assert credit["appliedAmount"] == pytest.approx(sum(u["amount"] for u in credit["usage"]))
    statuses = {b["paymentStatus"] for b in bills}
    assert {"PAID", "UNPAID"} <= statuses and any(b["archived"] for b in bills)


# -- vendors -----------------------------------------------------------------------------------------
def test_given_vendor_routes_when_called_then_collection_statuses_and_complete_objects(server, api):
    vendor = check(
        api.post(
            url(server, "/v3/vendors"), json={"name": "Happy Music Supplies", "accountType": "BUSINESS"}
        ),
        "vendors/Create a vendor",
    )
    assert (
        vendor["id"].startswith("009") and vendor["paymentInformation"]["payeeName"] == "Happy Music Supplies"
    )
    check(api.get(url(server, "/v3/vendors"), params={"max": 5}), "vendors/Get list of vendors")
    check(api.get(url(server, f"/v3/vendors/{vendor['id']}")), "vendors/Get vendor details")
    updated = check(
        api.patch(url(server, f"/v3/vendors/{vendor['id']}"), json={"accountType": "PERSON"}),
        "vendors/Update a vendor",
    )
    assert updated["accountType"] == "PERSON" and updated["updatedTime"] >= vendor["updatedTime"]
    bulk = check(
        api.post(url(server, "/v3/vendors/bulk"), json=[{"name": "Bulk One"}, {"name": "Bulk Two"}]),
        "vendors/Create multiple vendors",
    )
    assert [v["name"] for v in bulk["vendors"]] == ["Bulk One", "Bulk Two"]
    archived = check(api.post(url(server, f"/v3/vendors/{vendor['id']}/archive")), "vendors/Archive a vendor")
    assert archived["archived"] is True
    again = api.post(url(server, f"/v3/vendors/{vendor['id']}/archive")).json()
    assert again["updatedTime"] == archived["updatedTime"]  # archiving an archived vendor changes nothing
    restored = check(
        api.post(url(server, f"/v3/vendors/{vendor['id']}/restore")), "vendors/Restore an archived vendor"
    )
    assert restored["archived"] is False
    check(
        api.get(url(server, f"/v3/vendors/{vendor['id']}/configuration")), "vendors/Get vendor configuration"
    )
    config = check(
        api.get(
            url(server, "/v3/vendors/configuration/international-payments"),
            params={"country": "IN", "billCurrency": "INR", "accountType": "BUSINESS"},
        ),
        "vendors/Get international payments configuration",
    )
    assert config["paymentPurpose"]["required"] is True and config["validations"]["fields"]
    trail = check(
        api.get(url(server, f"/v3/reports/audit-trail/vendor/{vendor['id']}")),
        "reports/Get audit trail details for a vendor",
    )
    changed = {(entry["type"], entry["field"]["name"]) for entry in trail}
    assert (
        ("CREATE", "name") in changed
        and ("UPDATE", "accountType") in changed
        and ("UPDATE", "archived") in changed
    )


def test_given_a_vendor_without_bank_account_when_adding_and_deleting_one_then_lifecycle_matches_bill(
    server, api
):
    vendor = new_vendor(server, api)
    path = url(server, f"/v3/vendors/{vendor['id']}/bank-account")
    assert vendor["bankAccountStatus"] == "NO_ACCOUNT" and vendor["paymentInformation"]["bankAccount"] is None
    assert_bill_error(api.get(path), 404, "BDC_1118")
    account = {"nameOnAccount": "Bill Vendorson", "accountNumber": "111222333", "routingNumber": "074000010"}
    created = check(api.post(path, json=account), "vendors/Create a vendor bank account")
    assert (
        created["type"] == "CHECKING"
        and created["ownerType"] == "BUSINESS"
        and created["paymentCurrency"] == "USD"
    )
    check(api.get(path), "vendors/Get vendor bank account details")
    shown = get(server, api, f"/v3/vendors/{vendor['id']}")
    assert shown["paymentInformation"]["bankAccount"] == created
    assert shown["bankAccountStatus"] != "NO_ACCOUNT" and shown["paymentInformation"]["payByType"] == "ACH"
    assert_bill_error(api.post(path, json=account), 422)  # one account per vendor: delete it first
    check(api.delete(path), "vendors/Delete a vendor bank account")
    assert_bill_error(api.get(path), 404)
    assert_bill_error(api.delete(path), 404)
    assert get(server, api, f"/v3/vendors/{vendor['id']}")["bankAccountStatus"] == "NO_ACCOUNT"
    assert_bill_error(api.post(path, json={**account, "routingNumber": "12"}), 400)
    # The bank account cannot be changed with PATCH /v3/vendors/{vendorId}.
    patch = {"paymentInformation": {"bankAccount": account}}
    assert_bill_error(api.patch(url(server, f"/v3/vendors/{vendor['id']}"), json=patch), 400)
    trail = get(server, api, f"/v3/reports/audit-trail/vendor/{vendor['id']}")
    assert any(e["field"]["name"].startswith("paymentInformation.bankAccount") for e in trail)


def test_given_vendor_autopay_when_enabling_it_then_an_mfa_trusted_session_is_needed(server, api, trusted):
    vendor = new_vendor(server, api)
    autopay = {
        "autoPay": {"enabled": True, "bankAccountId": funding_account(server, api), "maxAmount": 500.0}
    }
    path = url(server, f"/v3/vendors/{vendor['id']}")
    assert_bill_error(api.patch(path, json=autopay), 403, "BDC_1361")
    enabled = trusted.patch(path, json=autopay)
    assert enabled.status_code == 200, enabled.text
    user_id = api.get(url(server, "/v3/login/session")).json()["userId"]
    assert enabled.json()["autoPay"] == {
        "enabled": True,
        "bankAccountId": autopay["autoPay"]["bankAccountId"],
        "createdBy": user_id,
        "maxAmount": 500.0,
        "daysBeforeDueDate": 0,
    }


def test_given_a_renamed_vendor_when_reading_its_bills_then_they_show_the_new_name(server, api):
    vendor = new_vendor(server, api)
    bill = new_bill(server, api, vendor["id"], 10.0)
    api.patch(url(server, f"/v3/vendors/{vendor['id']}"), json={"name": "Renamed Vendor LLC"})
    assert get(server, api, f"/v3/bills/{bill['id']}")["vendorName"] == "Renamed Vendor LLC"


# -- bills -------------------------------------------------------------------------------------------
def test_given_bill_routes_when_called_then_collection_statuses_and_complete_objects(server, api):
    vendor = new_vendor(server, api)
    body = {
        "vendorId": vendor["id"],
        "dueDate": FUTURE,
        "billLineItems": [
            {"amount": 149, "description": "USB audio interface"},
            {"amount": 79.99, "description": "Drum foot pedal"},
        ],
        "invoice": {"invoiceNumber": "202501", "invoiceDate": date.today().isoformat()},
    }
    bill = check(api.post(url(server, "/v3/bills"), json=body), "bills/Create a bill")
    assert bill["id"].startswith("00n") and bill["amount"] == 228.99 and bill["dueAmount"] == 228.99
    assert bill["vendorName"] == vendor["name"] and bill["paymentStatus"] == "UNPAID"
    check(api.get(url(server, "/v3/bills"), params={"max": 3}), "bills/Get list of bills")
    check(api.get(url(server, f"/v3/bills/{bill['id']}")), "bills/Get bill details")
    first, second = bill["billLineItems"]
    patched = check(
        api.patch(
            url(server, f"/v3/bills/{bill['id']}"),
            json={"billLineItems": [{"id": first["id"], "amount": 179}]},
        ),
        "bills/Update a bill",
    )
    assert [x["id"] for x in patched["billLineItems"]] == [first["id"], second["id"]]
    assert patched["amount"] == 258.99
    replace = {
        **body,
        "invoice": {"invoiceNumber": "202501-b"},
        "billLineItems": [{"amount": 29.99, "description": "Gloves"}, {"id": second["id"], "amount": 80}],
    }
    replaced = check(api.put(url(server, f"/v3/bills/{bill['id']}"), json=replace), "bills/Replace a bill")
    ids = [x["id"] for x in replaced["billLineItems"]]
    assert first["id"] not in ids and second["id"] in ids and replaced["amount"] == 109.99
    bulk = check(
        api.post(
            url(server, "/v3/bills/bulk"),
            json=[{**body, "invoice": {"invoiceNumber": f"B-{i}"}} for i in range(2)],
        ),
        "bills/Create multiple bills",
    )
    assert len(bulk) == 2
    archived = check(api.post(url(server, f"/v3/bills/{bill['id']}/archive")), "bills/Archive a bill")
    assert archived["archived"] is True and archived["recordStatus"] == "INACTIVE"
    restored = check(
        api.post(url(server, f"/v3/bills/{bill['id']}/restore")), "bills/Restore an archived bill"
    )
    assert restored["archived"] is False


def test_given_a_bill_when_recording_payments_then_amounts_status_and_vendor_follow(server, api):
    vendor = new_vendor(server, api)
    bill = new_bill(server, api, vendor["id"], 149.0, 51.0)
    record = {
        "vendorId": vendor["id"],
        "processDate": date.today().isoformat(),
        "toPrintCheck": False,
        "payments": [{"billId": bill["id"], "amount": 70}],
    }
    payment = check(api.post(url(server, "/v3/bills/record-payment"), json=record), "bills/Record AP payment")
    assert (
        payment["id"].startswith("stp") and payment["status"] == "PAID" and payment["onlinePayment"] is False
    )
    assert payment["amount"] == 70 and payment["billPayments"][0]["billId"] == bill["id"]
    partial = get(server, api, f"/v3/bills/{bill['id']}")
    assert (partial["paidAmount"], partial["dueAmount"], partial["paymentStatus"]) == (70.0, 130.0, "PARTIAL")
    shown = get(server, api, f"/v3/vendors/{vendor['id']}")
    assert shown["balance"]["amount"] == 130.0
    assert shown["paymentInformation"]["lastPaymentDate"] == date.today().isoformat()
    too_much = {**record, "payments": [{"billId": bill["id"], "amount": 130.01}]}
    assert_bill_error(api.post(url(server, "/v3/bills/record-payment"), json=too_much), 422)
    rest = {**record, "payments": [{"billId": bill["id"], "amount": 130}]}
    assert api.post(url(server, "/v3/bills/record-payment"), json=rest).status_code == 200
    paid = get(server, api, f"/v3/bills/{bill['id']}")
    assert (paid["paidAmount"], paid["dueAmount"], paid["paymentStatus"]) == (200.0, 0.0, "PAID")
    assert get(server, api, f"/v3/vendors/{vendor['id']}")["balance"]["amount"] == 0.0
    listed = get(server, api, f"/v3/payments?filters=id:eq:{payment['id']}")["results"]
    assert [p["id"] for p in listed] == [payment["id"]]
    # A paid bill cannot drop below what was paid.
    lower = {"billLineItems": [{"id": bill["billLineItems"][0]["id"], "amount": 1}]}
    assert_bill_error(api.patch(url(server, f"/v3/bills/{bill['id']}"), json=lower), 422)
    # Voiding the offline payment gives the amount back to the bill.
    voided = api.post(
        url(server, f"/v3/payments/{payment['id']}/void"), json={"type": "VOID_ONLY", "reason": "typo"}
    )
    assert voided.status_code == 200 and voided.json()["status"] == "VOID"
    back = get(server, api, f"/v3/bills/{bill['id']}")
    assert (back["paidAmount"], back["dueAmount"], back["paymentStatus"]) == (130.0, 70.0, "PARTIAL")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"dueDate": FUTURE, "invoice": {"invoiceNumber": "X"}, "billLineItems": [{"amount": 1}]}, 400),
        (
            {
                "vendorId": "VENDOR",
                "dueDate": "31/12/2025",
                "invoice": {"invoiceNumber": "X"},
                "billLineItems": [{"amount": 1}],
            },
            400,
        ),
        (
            {"vendorId": "VENDOR", "dueDate": FUTURE, "invoice": {"invoiceNumber": "X"}, "billLineItems": []},
            400,
        ),
        (
            {
                "vendorId": "VENDOR",
                "dueDate": FUTURE,
                "invoice": {"invoiceNumber": "X"},
                "billLineItems": [{"amount": "ten"}],
            },
            400,
        ),
        (
            {
                "vendorId": "VENDOR",
                "dueDate": FUTURE,
                "invoice": {"invoiceNumber": "X"},
                "billLineItems": [{"amount": 1}],
                "colour": "red",
            },
            400,
        ),
        (
            {
                "vendorId": "009doesnotexist00000",
                "dueDate": FUTURE,
                "invoice": {"invoiceNumber": "X"},
                "billLineItems": [{"amount": 1}],
            },
            404,
        ),
    ],
    ids=["no vendor", "bad date", "no lines", "amount not a number", "unknown field", "unknown vendor"],
)
def test_given_an_invalid_bill_body_when_creating_then_bill_error_envelope(server, api, body, status):
    vendor_id = new_vendor(server, api)["id"]
    body = json.loads(json.dumps(body).replace('"VENDOR"', json.dumps(vendor_id)))
    assert_bill_error(api.post(url(server, "/v3/bills"), json=body), status)


def test_given_a_duplicate_invoice_number_for_the_vendor_when_creating_a_bill_then_422(server, api):
    vendor = new_vendor(server, api)
    bill = new_bill(server, api, vendor["id"])
    body = {
        "vendorId": vendor["id"],
        "dueDate": FUTURE,
        "invoice": bill["invoice"],
        "billLineItems": [{"amount": 5}],
    }
    error = assert_bill_error(api.post(url(server, "/v3/bills"), json=body), 422, "BDC_1119")
    assert bill["invoice"]["invoiceNumber"] in error["message"]
    bulk = [{**body, "invoice": {"invoiceNumber": "fresh-1"}}, body]
    assert_bill_error(api.post(url(server, "/v3/bills/bulk"), json=bulk), 422)
    numbers = {
        b["invoice"]["invoiceNumber"]
        for b in walk(api, url(server, "/v3/bills"), {"max": 100, "filters": f"vendorId:eq:{vendor['id']}"})
    }
    assert "fresh-1" not in numbers  # all or none
    other = new_vendor(server, api)  # the same number is fine for another vendor
    assert api.post(url(server, "/v3/bills"), json={**body, "vendorId": other["id"]}).status_code == 201
    assert_bill_error(
        api.post(
            url(server, "/v3/bills"), data=b'{"vendorId": ', headers={"Content-Type": "application/json"}
        ),
        400,
    )


def test_given_documented_filters_when_listing_bills_then_they_apply_and_others_are_refused(server, api):
    vendor = new_vendor(server, api)
    mine = {new_bill(server, api, vendor["id"])["id"] for _ in range(3)}
    got = walk(api, url(server, "/v3/bills"), {"max": 100, "filters": f"vendorId:eq:{vendor['id']}"})
    assert {b["id"] for b in got} == mine
    unpaid = walk(api, url(server, "/v3/bills"), {"max": 100, "filters": "paymentStatus:eq:UNPAID"})
    assert unpaid and all(b["paymentStatus"] == "UNPAID" for b in unpaid)
    due = walk(api, url(server, "/v3/bills"), {"max": 100, "filters": f'dueDate:gte:"{FUTURE}"'})
    assert mine <= {b["id"] for b in due}
    assert_bill_error(api.get(url(server, "/v3/bills"), params={"filters": "amount:gt:5"}), 400)
    assert_bill_error(api.get(url(server, "/v3/bills"), params={"sort": "amount:asc"}), 400)
    names = [v["name"] for v in walk(api, url(server, "/v3/vendors"), {"max": 100, "sort": "name:asc"})]
    assert names == sorted(names)


# -- bill approvals ----------------------------------------------------------------------------------
def test_given_an_approval_policy_when_a_matching_bill_is_created_then_it_waits_for_the_approver(
    server, api, trusted
):
    user_id = api.get(url(server, "/v3/login/session")).json()["userId"]
    body = {
        "policyName": "Bills >= $100,000",
        "rules": [{"key": "BILL_AMOUNT", "op": "gte", "values": ["100000"]}],
        "approvers": [user_id],
    }
    policy = check(
        api.post(url(server, "/v3/bill-approvals/policies"), json=body),
        "bill-approvals/Create a bill approval policy",
    )
    assert policy["rules"][0]["values"][0]["displayName"] == "$100,000.00"
    listed = check(
        api.get(url(server, "/v3/bill-approvals/policies")),
        "bill-approvals/Get list of bill approval policies",
    )
    assert policy["id"] in {p["id"] for p in listed}
    vendor = new_vendor(server, api)
    big = new_bill(server, api, vendor["id"], 60_000.0, 40_000.0)
    small = new_bill(server, api, vendor["id"], 50.0)
    assert big["approvalStatus"] == "ASSIGNED" and big["approvers"][0]["status"] == "WAITING"
    assert small["approvalStatus"] == "UNASSIGNED"
    pending = check(
        api.get(url(server, "/v3/bill-approvals/pending-user-approvals")),
        "bill-approvals/Get list of bills pending approval",
    )
    assert big["id"] in {b["billId"] for b in pending["bills"]}
    pay = {
        "billId": big["id"],
        "amount": 10,
        "processDate": FUTURE,
        "fundingAccount": {"type": "BANK_ACCOUNT", "id": funding_account(server, api)},
    }
    assert_bill_error(trusted.post(url(server, "/v3/payments"), json=pay), 422)  # not approved yet
    action = [{"billId": big["id"], "action": "APPROVE", "comment": "ok"}]
    check(
        api.post(url(server, "/v3/bill-approvals/actions"), json=action),
        "bill-approvals/Approve or deny a bill",
    )
    approved = get(server, api, f"/v3/bills/{big['id']}")
    assert approved["approvalStatus"] == "APPROVED" and approved["approvers"][0]["status"] == "APPROVED"
    assert big["id"] not in {
        b["billId"] for b in get(server, api, "/v3/bill-approvals/pending-user-approvals")["bills"]
    }
    assert_bill_error(
        api.post(url(server, "/v3/bill-approvals/actions"), json=action), 422
    )  # not pending anymore
    assert trusted.post(url(server, "/v3/payments"), json=pay).status_code == 201
    updated = check(
        api.put(
            url(server, f"/v3/bill-approvals/policies/{policy['id']}"),
            json={
                **body,
                "policyName": "Bills >= $250,000",
                "rules": [{"key": "BILL_AMOUNT", "op": "gte", "values": ["250000"]}],
            },
        ),
        "bill-approvals/Update a bill approval policy",
    )
    assert updated["policyName"] == "Bills >= $250,000"
    check(
        api.delete(url(server, f"/v3/bill-approvals/policies/{policy['id']}")),
        "bill-approvals/Delete a bill approval policy",
    )
    assert policy["id"] not in {p["id"] for p in get(server, api, "/v3/bill-approvals/policies")}
    assert_bill_error(api.delete(url(server, f"/v3/bill-approvals/policies/{policy['id']}")), 404)
    assert_bill_error(
        api.post(url(server, "/v3/bill-approvals/policies"), json={**body, "approvers": ["006nobody"]}), 400
    )


# -- documents ---------------------------------------------------------------------------------------
def test_given_an_uploaded_document_when_checking_status_then_it_is_listed_on_its_bill(server, api):
    vendor = new_vendor(server, api)
    bill = new_bill(server, api, vendor["id"])
    upload = check(
        api.post(
            url(server, f"/v3/documents/bills/{bill['id']}"),
            params={"name": "invoice.pdf"},
            data=PDF,
            headers={"Content-Type": "application/pdf"},
        ),
        "documents/Upload bill document",
    )
    assert upload["id"].startswith("0du") and upload["downloadLink"] is None  # in progress
    status = check(
        api.get(url(server, "/v3/documents/upload-status"), params={"ids": upload["id"]}),
        "documents/Get document upload status",
    )
    assert status[0]["status"] == "UPLOADED" and status[0]["documentId"].startswith("00h")
    listed = check(
        api.get(url(server, f"/v3/documents/bills/{bill['id']}")), "documents/Get list of documents"
    )
    assert [d["id"] for d in listed["results"]] == [status[0]["documentId"]]
    document = check(
        api.get(url(server, f"/v3/documents/{status[0]['documentId']}")), "documents/Get document details"
    )
    assert document["name"] == "invoice.pdf" and document["downloadLink"]
    uploads = url(server, f"/v3/documents/bills/{bill['id']}")
    assert_bill_error(api.post(uploads, data=PDF), 400)  # no name
    assert_bill_error(api.post(uploads, params={"name": "empty.pdf"}, data=b""), 400)  # no file
    assert_bill_error(api.post(uploads, params={"name": "big.pdf"}, data=b"0" * (6 * 1024 * 1024 + 1)), 400)
    assert_bill_error(api.get(url(server, "/v3/documents/upload-status")), 400)  # no ids


# -- AP payments -------------------------------------------------------------------------------------
def funding_account(server, api) -> str:
    banks = api.get(
        url(server, "/v3/payments/options"), params={"vendorId": new_vendor(server, api)["id"], "amount": 10}
    ).json()["fundingOptions"]["banks"]
    return next(b["id"] for b in banks if b["available"])


def test_given_an_untrusted_session_when_creating_a_payment_then_403_untrusted_session(server, api):
    vendor = new_vendor(server, api)
    bill = new_bill(server, api, vendor["id"])
    body = {
        "vendorId": vendor["id"],
        "billId": bill["id"],
        "processDate": FUTURE,
        "amount": 10,
        "fundingAccount": {"type": "BANK_ACCOUNT", "id": funding_account(server, api)},
    }
    assert_bill_error(api.post(url(server, "/v3/payments"), json=body), 403, "BDC_1361")
    assert_bill_error(
        api.post(url(server, "/v3/payments/bulk"), json={**body, "payments": []}), 403, "BDC_1361"
    )
    assert get(server, api, f"/v3/bills/{bill['id']}")["scheduledAmount"] == 0


def test_given_a_trusted_session_when_paying_cancelling_and_voiding_then_bills_follow(server, api, trusted):
    vendor = new_vendor(server, api)
    bill = new_bill(server, api, vendor["id"], 149.0, 79.99)
    funding = {"type": "BANK_ACCOUNT", "id": funding_account(server, api)}
    body = {
        "vendorId": vendor["id"],
        "billId": bill["id"],
        "processDate": FUTURE,
        "fundingAccount": funding,
        "amount": 100.0,
        "processingOptions": {"requestPayFaster": False, "createBill": False},
    }
    payment = check(trusted.post(url(server, "/v3/payments"), json=body), "payments/Create a payment")
    assert payment["status"] == "SCHEDULED" and payment["singleStatus"] == "SCHEDULED"
    assert payment["vendorName"] == vendor["name"] and payment["disbursementType"] == "CHECK"
    scheduled = get(server, api, f"/v3/bills/{bill['id']}")
    assert (scheduled["scheduledAmount"], scheduled["dueAmount"], scheduled["paymentStatus"]) == (
        100.0,
        228.99,
        "SCHEDULED",
    )
    assert_bill_error(trusted.post(url(server, "/v3/payments"), json={**body, "amount": "ten"}), 400)
    assert_bill_error(
        trusted.post(url(server, "/v3/payments"), json={**body, "amount": 129}), 422
    )  # > 128.99 left
    past = {**body, "processDate": (date.today() - timedelta(days=3)).isoformat(), "amount": 1}
    assert_bill_error(trusted.post(url(server, "/v3/payments"), json=past), 422)  # invalid process date
    check(api.get(url(server, f"/v3/payments/{payment['id']}")), "payments/Get payment details")
    check(api.get(url(server, "/v3/payments"), params={"max": 5}), "payments/Get list of payments")
    cancelled = check(
        api.post(url(server, f"/v3/payments/{payment['id']}/cancel")), "payments/Cancel a payment"
    )
    assert cancelled["status"] == "CANCELLED"
    assert_bill_error(api.post(url(server, f"/v3/payments/{payment['id']}/cancel")), 422)
    assert get(server, api, f"/v3/bills/{bill['id']}")["paymentStatus"] == "UNPAID"
    second = trusted.post(url(server, "/v3/payments"), json=body).json()
    voided = check(
        api.post(
            url(server, f"/v3/payments/{second['id']}/void"),
            json={"reason": "wrong amount", "type": "VOID_AND_CREDIT"},
        ),
        "payments/Void a payment",
    )
    assert voided["status"] == "VOID" and voided["voidInfo"][0]["type"] == "VOID_AND_CREDIT"
    assert get(server, api, f"/v3/bills/{bill['id']}")["scheduledAmount"] == 0
    assert_bill_error(
        api.post(url(server, f"/v3/payments/{second['id']}/void"), json={"type": "VOID_ONLY"}), 422
    )
    assert_bill_error(api.post(url(server, f"/v3/payments/{second['id']}/void"), json={"type": "NOPE"}), 400)
    other = new_bill(server, api, vendor["id"], 50.0)
    bulk = check(
        trusted.post(
            url(server, "/v3/payments/bulk"),
            json={
                "processDate": FUTURE,
                "fundingAccount": funding,
                "payments": [{"billId": bill["id"], "amount": 28.99}, {"billId": other["id"], "amount": 50}],
            },
        ),
        "payments/Create a bulk payment",
    )
    assert [p["billId"] for p in bulk["payments"]] == [bill["id"], other["id"]]
    assert get(server, api, f"/v3/bills/{other['id']}")["scheduledAmount"] == 50.0
    options = check(
        api.get(url(server, "/v3/payments/options"), params={"vendorId": vendor["id"], "amount": 100}),
        "payments/Get list of vendor payment options",
    )
    assert options["fundingOptions"]["banks"]
    rate = check(
        api.get(
            url(server, "/v3/payments/exchange-rate"),
            params={"vendorId": vendor["id"], "amount": 1000, "baseCurrency": "true"},
        ),
        "payments/Get BILL foreign exchange rate",
    )
    assert rate["paymentCurrency"] == "USD" and rate["exchangeRate"] == 1.0


def test_given_a_check_payment_when_getting_its_images_then_front_and_back_links(server, api):
    checks = [
        p
        for p in walk(api, url(server, "/v3/payments"), {"max": 100})
        if p["disbursementType"] == "CHECK" and p["status"] == "PAID"
    ]
    assert checks, "the seed has check payments"
    images = check(
        api.get(url(server, f"/v3/payments/{checks[0]['id']}/check-image")), "payments/Get check image data"
    )
    assert len(images["results"]) == 2
    ach = next(
        p for p in walk(api, url(server, "/v3/payments"), {"max": 100}) if p["disbursementType"] == "ACH"
    )
    assert_bill_error(api.get(url(server, f"/v3/payments/{ach['id']}/check-image")), 422)


def test_given_a_scheduled_payment_when_its_process_date_passes_then_it_is_paid():
    with running_emulator(EmulatorSettings(scale="tiny", seed=5, fake_clock=True)) as server:
        api, trusted = org_session(server), trusted_session(server)
        vendor = new_vendor(server, api)
        bill = new_bill(server, api, vendor["id"], 300.0)
        funding = {"type": "BANK_ACCOUNT", "id": funding_account(server, api)}
        process = (date.today() + timedelta(days=1)).isoformat()
        body = {"billId": bill["id"], "processDate": process, "fundingAccount": funding, "amount": 300.0}
        payment = trusted.post(url(server, "/v3/payments"), json=body).json()
        server.emulator.advance_clock(3 * 86400)
        api = org_session(server)  # the old session idled out
        paid = get(server, api, f"/v3/payments/{payment['id']}")
        assert (paid["status"], paid["singleStatus"], paid["disbursementStatus"]) == (
            "PAID",
            "CLEARED",
            "DONE",
        )
        assert paid["updatedTime"] > payment["updatedTime"]
        settled = get(server, api, f"/v3/bills/{bill['id']}")
        assert (settled["paidAmount"], settled["scheduledAmount"], settled["paymentStatus"]) == (
            300.0,
            0.0,
            "PAID",
        )
        assert (
            get(server, api, f"/v3/vendors/{vendor['id']}")["paymentInformation"]["lastPaymentDate"]
            == process
        )


# -- credit memos and vendor credits -------------------------------------------------------------------
def test_given_credit_memo_routes_when_called_then_collection_statuses_and_complete_objects(server, api):
    customer = api.get(url(server, "/v3/customers"), params={"max": 1}).json()["results"][0]
    body = {
        "customerId": customer["id"],
        "referenceNumber": "CM-test",
        "creditDate": date.today().isoformat(),
        "description": "Paperless Credit Memo",
        "creditMemoLineItems": [
            {"description": "Sticks", "price": 14.99, "quantity": 2},
            {"description": "Picks", "price": 50, "quantity": 1},
            {"description": "10% discount", "ratePercent": -10},
        ],
    }
    memo = check(api.post(url(server, "/v3/credit-memos"), json=body), "credit memos/Create a credit memo")
    assert memo["id"].startswith("0cm") and memo["creditMemoLineItems"][2]["amount"] == -8.0  # 10% of 79.98
    assert memo["amount"] == 71.98 and memo["status"] == "NOT_APPLIED"
    check(
        api.get(url(server, "/v3/credit-memos"), params={"max": 3}), "credit memos/Get list of credit memos"
    )
    check(api.get(url(server, f"/v3/credit-memos/{memo['id']}")), "credit memos/Get credit memo details")
    line = memo["creditMemoLineItems"][0]
    patched = check(
        api.patch(
            url(server, f"/v3/credit-memos/{memo['id']}"),
            json={"creditMemoLineItems": [{"id": line["id"], "price": 19.99, "quantity": 2}]},
        ),
        "credit memos/Update a credit memo",
    )
    assert patched["amount"] == pytest.approx(round((39.98 + 50) * 0.9, 2))
    replaced = check(
        api.put(
            url(server, f"/v3/credit-memos/{memo['id']}"),
            json={**body, "creditMemoLineItems": [{"description": "Gloves", "price": 29.99}]},
        ),
        "credit memos/Replace a credit memo",
    )
    assert replaced["amount"] == 29.99 and len(replaced["creditMemoLineItems"]) == 1
    bulk = check(
        api.post(url(server, "/v3/credit-memos/bulk"), json=[body, body]),
        "credit memos/Create multiple credit memos",
    )
    ids = [m["id"] for m in bulk["creditMemos"]]
    check(
        api.patch(url(server, "/v3/credit-memos/bulk"), json=[{"id": i, "description": "bulk"} for i in ids]),
        "credit memos/Update multiple credit memos",
    )
    check(
        api.put(url(server, "/v3/credit-memos/bulk"), json=[{**body, "id": i} for i in ids]),
        "credit memos/Replace multiple credit memos",
    )
    archived = check(
        api.post(url(server, "/v3/credit-memos/bulk/archive"), params={"ids": ",".join(ids)}),
        "credit memos/Archive multiple credit memos",
    )
    assert [m["archived"] for m in archived["creditMemos"]] == [True, True]
    restored = check(
        api.post(url(server, "/v3/credit-memos/bulk/restore"), params={"ids": ",".join(ids)}),
        "credit memos/Restore multiple credit memos",
    )
    assert [m["archived"] for m in restored["creditMemos"]] == [False, False]
    assert_bill_error(api.post(url(server, "/v3/credit-memos/bulk/archive")), 400)  # ids is required
    assert_bill_error(
        api.post(url(server, "/v3/credit-memos/bulk/archive"), params={"ids": "0cm01nothere000000"}), 404
    )
    check(
        api.post(url(server, f"/v3/credit-memos/{memo['id']}/archive")), "credit memos/Archive a credit memo"
    )
    check(
        api.post(url(server, f"/v3/credit-memos/{memo['id']}/restore")), "credit memos/Restore a credit memo"
    )
    assert_bill_error(api.post(url(server, "/v3/credit-memos"), json={**body, "customerId": None}), 400)
    assert_bill_error(
        api.post(url(server, "/v3/credit-memos"), json={**body, "customerId": "0cu01nothere0000000"}), 404
    )
    assert_bill_error(api.post(url(server, "/v3/credit-memos/bulk"), json=[body] * 51), 400)


def test_given_seeded_applied_credit_memos_when_reading_their_invoices_then_the_credit_shows(server, api):
    memos = [m for m in walk(api, url(server, "/v3/credit-memos"), {"max": 100}) if m["usage"]]
    assert memos
    for memo in memos[:5]:
        assert memo["appliedAmount"] == pytest.approx(sum(u["amount"] for u in memo["usage"]))
        invoice = get(server, api, f"/v3/invoices/{memo['usage'][0]['invoiceId']}")
        assert (
            invoice["customerId"] == memo["customerId"] and invoice["creditAmount"] >= memo["appliedAmount"]
        )


def test_given_vendor_credit_routes_when_called_then_archive_is_final(server, api):
    vendor = new_vendor(server, api)
    body = {
        "vendorId": vendor["id"],
        "referenceNumber": "VC-test",
        "creditDate": date.today().isoformat(),
        "vendorCreditLineItems": [
            {"description": "Sticks", "amount": 14.99},
            {"description": "Picks", "amount": 50},
        ],
        "description": "Happy Vendor Credit",
    }
    credit = check(
        api.post(url(server, "/v3/vendor-credits"), json=body), "vendor credits/Create a vendor credit"
    )
    assert credit["id"].startswith("0vc") and credit["amount"] == 64.99 and credit["status"] == "NOT_APPLIED"
    check(
        api.get(url(server, "/v3/vendor-credits"), params={"max": 3}),
        "vendor credits/Get list of vendor credits",
    )
    check(
        api.get(url(server, f"/v3/vendor-credits/{credit['id']}")), "vendor credits/Get vendor credit details"
    )
    first = credit["vendorCreditLineItems"][0]["id"]
    patched = check(
        api.patch(
            url(server, f"/v3/vendor-credits/{credit['id']}"),
            json={"vendorCreditLineItems": [{"id": first, "amount": 19.99}]},
        ),
        "vendor credits/Update a vendor credit",
    )
    assert patched["amount"] == 69.99
    check(
        api.put(url(server, f"/v3/vendor-credits/{credit['id']}"), json=body),
        "vendor credits/Replace a vendor credit",
    )
    bulk = check(
        api.post(url(server, "/v3/vendor-credits/bulk"), json=[body, body]),
        "vendor credits/Create multiple vendor credits",
    )
    ids = [c["id"] for c in bulk["vendorCredits"]]
    check(
        api.patch(url(server, "/v3/vendor-credits/bulk"), json=[{"id": i, "description": "x"} for i in ids]),
        "vendor credits/Update multiple vendor credits",
    )
    check(
        api.put(url(server, "/v3/vendor-credits/bulk"), json=[{**body, "id": i} for i in ids]),
        "vendor credits/Replace multiple vendor credits",
    )
    archived = check(
        api.post(url(server, "/v3/vendor-credits/bulk/archive"), params={"ids": ",".join(ids)}),
        "vendor credits/Archive multiple vendor credits",
    )
    assert all(c["archived"] for c in archived["vendorCredits"])
    check(
        api.post(url(server, f"/v3/vendor-credits/{credit['id']}/archive")),
        "vendor credits/Archive a vendor credit",
    )
    # "An archived vendor credit cannot be restored": BILL has no restore route for them.
    assert_bill_error(api.post(url(server, f"/v3/vendor-credits/{credit['id']}/restore")), 404, "BDC_1121")
    assert_bill_error(
        api.post(url(server, "/v3/vendor-credits/bulk/restore"), params={"ids": credit["id"]}), 404
    )
    assert_bill_error(
        api.patch(url(server, f"/v3/vendor-credits/{credit['id']}"), json={"description": "x"}), 422
    )


# -- recurring templates -----------------------------------------------------------------------------
def test_given_recurring_invoice_routes_when_called_then_collection_statuses_and_complete_objects(
    server, api
):
    customer = api.get(url(server, "/v3/customers"), params={"max": 1}).json()["results"][0]
    body = {
        "customerId": customer["id"],
        "schedule": {"period": "MONTHLY", "frequency": 1, "nextDueDate": FUTURE, "daysInAdvance": 5},
        "recurringInvoiceLineItems": [
            {"amount": 19.99, "quantity": 1, "description": "Monthly subscription"}
        ],
    }
    template = check(
        api.post(url(server, "/v3/recurring-invoices"), json=body),
        "recurring invoices/Create a recurring invoice",
    )
    assert template["id"].startswith("0ri") and template["schedule"]["endDate"] is None
    path = f"/v3/recurring-invoices/{template['id']}"
    check(
        api.get(url(server, "/v3/recurring-invoices"), params={"max": 3, "sort": "archived"}),
        "recurring invoices/Get list of recurring invoices",
    )
    check(api.get(url(server, path)), "recurring invoices/Get recurring invoice details")
    line = template["recurringInvoiceLineItems"][0]["id"]
    patched = check(
        api.patch(
            url(server, path),
            json={
                "recurringInvoiceLineItems": [{"id": line, "amount": 22.99}],
                "schedule": {"period": "YEARLY"},
            },
        ),
        "recurring invoices/Update a recurring invoice",
    )
    assert (
        patched["recurringInvoiceLineItems"][0]["amount"] == 22.99
        and patched["schedule"]["daysInAdvance"] == 5
    )
    check(api.put(url(server, path), json=body), "recurring invoices/Replace a recurring invoice")
    check(api.post(url(server, f"{path}/archive")), "recurring invoices/Archive a recurring invoice")
    check(api.post(url(server, f"{path}/restore")), "recurring invoices/Restore a recurring invoice")
    bad = {**body, "schedule": {**body["schedule"], "period": "HOURLY"}}
    assert_bill_error(api.post(url(server, "/v3/recurring-invoices"), json=bad), 400)


def test_given_recurring_bill_routes_when_autopay_is_asked_then_mfa_and_vendor_flag_follow(
    server, api, trusted
):
    vendor = new_vendor(server, api)
    bank = funding_account(server, api)
    body = {
        "vendorId": vendor["id"],
        "schedule": {
            "period": "MONTHLY",
            "frequency": 1,
            "nextDueDate": FUTURE,
            "endDate": "2099-11-01",
            "daysInAdvance": 5,
        },
        "recurringBillLineItems": [{"amount": 19.99, "description": "Monthly subscription"}],
        "processingOptions": {"autoPayment": True},
        "paymentInformation": {"bankAccountId": bank},
    }
    assert_bill_error(api.post(url(server, "/v3/recurringbills"), json=body), 403, "BDC_1361")
    template = check(
        trusted.post(url(server, "/v3/recurringbills"), json=body), "recurringbills/Create a recurring bill"
    )
    assert template["id"].startswith("0rb") and template["processingOptions"]["autoPayment"] is True
    assert get(server, api, f"/v3/vendors/{vendor['id']}")["recurringPayments"] is True
    path = f"/v3/recurringbills/{template['id']}"
    check(
        api.get(url(server, "/v3/recurringbills"), params={"max": 3}),
        "recurringbills/Get list of recurring bills",
    )
    check(api.get(url(server, path)), "recurringbills/Get recurring bill details")
    line = template["recurringBillLineItems"][0]["id"]
    check(
        api.patch(
            url(server, path), json={"recurringBillLineItems": [{"id": line, "amount": 22.99, "quantity": 1}]}
        ),
        "recurringbills/Update a recurring bill",
    )
    manual = {**body, "processingOptions": {"autoPayment": False}}
    check(api.put(url(server, path), json=manual), "recurringbills/Replace a recurring bill")
    check(api.post(url(server, f"{path}/archive")), "recurringbills/Archive a recurring bill")
    assert get(server, api, f"/v3/vendors/{vendor['id']}")["recurringPayments"] is False
    check(api.post(url(server, f"{path}/restore")), "recurringbills/Restore an archived recurring bill")
    late = {**manual, "schedule": {**body["schedule"], "endDate": "2000-01-01"}}
    assert_bill_error(api.post(url(server, "/v3/recurringbills"), json=late), 400)
