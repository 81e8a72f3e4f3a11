"""S&E transactions: list (parents only, max 50), details, change budget, custom fields and their values,
receipts and upload URLs, and 3-D Secure challenge decisions.

Without `includeReceipts=true` a listed transaction's `receipts` is empty (details always carry them).
`showCustomFieldIds` (true/false) is accepted; custom fields always carry their ids, as BILL's example
of the request without it shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import (
    AUTHORIZATIONS,
    BUDGETS,
    CARDS,
    CHALLENGES,
    CUSTOM_FIELDS,
    TRANSACTIONS,
    USERS,
    find,
    present,
    require,
    require_admin,
    save,
)
from bill_emulator.backends.spend.ledger import refresh
from bill_emulator.backends.spend.listing import ListSpec, page_of_items, shaped_page, spend_resource
from bill_emulator.backends.spend.tagging import (
    apply_updates,
    drop_receipt,
    receipt,
    upload_url,
)
from bill_emulator.errors import BillApiError, invalid_body, invalid_parameter, not_found, unprocessable
from bill_emulator.query import Condition, Page
from bill_emulator.resources import EQ, EQ_IN, SETS, Field
from bill_emulator.validation import body_object, bool_param

GTE_LTE = frozenset({"gte", "lte"})
SYNC_STATUSES = ("PENDING", "SYNCED", "ERROR", "MANUAL_SYNCED", "NOT_SYNCED")
CHALLENGE_ACTIONS = {"ACCEPT": "ACCEPTED", "REJECT": "REJECTED"}


def _matching_ids(ctx: Context, sql: str, params: tuple[Any, ...]) -> Condition:
    ids = tuple(row[0] for row in ctx.store.execute(sql, (TRANSACTIONS, ctx.scope, *params)))
    return Condition("id", "in", ids or ("",))


def _sync_status(ctx: Context, op: str, values: tuple[str, ...]) -> Condition:
    """A transaction's sync status is its accounting sync's; never synced = NOT_SYNCED."""
    unknown = [v for v in values if v not in SYNC_STATUSES]
    if unknown or not values:
        raise invalid_parameter(f"syncStatus must be one of {', '.join(SYNC_STATUSES)}.")
    negate = op in ("ne", "nin")
    marks = ", ".join("?" for _ in values)
    return _matching_ids(
        ctx,
        "SELECT id FROM records WHERE kind = ? AND scope = ? AND"
        " ifnull(json_extract(body, '$.accountingIntegrationTransactions[0].syncStatus'), 'NOT_SYNCED')"
        f" {'NOT IN' if negate else 'IN'} ({marks})",
        values,
    )


def _custom_field_ids(ctx: Context, op: str, values: tuple[str, ...]) -> Condition:
    """Transactions where any of these custom fields has a value or a note."""
    ids = tuple((row.id if (row := find(ctx, CUSTOM_FIELDS, v)) else v) for v in values)
    marks = ", ".join("?" for _ in ids)
    return _matching_ids(
        ctx,
        "SELECT DISTINCT r.id FROM records r, json_each(r.body, '$.customFields') f"
        " WHERE r.kind = ? AND r.scope = ?"
        f" AND json_extract(f.value, '$.id') IN ({marks})"
        " AND (json_array_length(json_extract(f.value, '$.selectedValues')) > 0"
        " OR ifnull(json_extract(f.value, '$.note'), '') != '')",
        ids,
    )


TRANSACTIONS_RESOURCE = spend_resource(
    TRANSACTIONS,
    "Transaction",
    lambda ctx, data: data,
    filters={
        "transactionIds": Field("string", EQ_IN, path="id"),
        "cardId": Field("string", EQ_IN),
        "userId": Field("string", EQ_IN),
        "budgetId": Field("string", EQ_IN),
        "merchantName": Field("string", EQ),
        "amount": Field("number", GTE_LTE),
        "fees": Field("number", GTE_LTE),
        "complete": Field("bool", EQ),
        "type": Field("string", SETS, path="transactionType"),
        "syncStatus": Field("string", SETS),
        "customFieldIds": Field("string", EQ_IN),
        "updatedTime": Field("timestamp", GTE_LTE),
        "authorizedTime": Field("timestamp", GTE_LTE),
    },
    sorts=frozenset({"amount", "merchantName", "occurredTime"}),
    max_page=50,
)
SPEC = ListSpec(
    frozenset(TRANSACTIONS_RESOURCE.filters),
    refs={"transactionIds": TRANSACTIONS, "cardId": CARDS, "userId": USERS, "budgetId": BUDGETS},
    computed={"syncStatus": _sync_status, "customFieldIds": _custom_field_ids},
)


def shape(query: Mapping[str, str], body: dict[str, Any], listing: bool) -> dict[str, Any]:
    """A list leaves receipts out unless `includeReceipts=true`."""
    if listing and not bool_param(query, "includeReceipts"):
        body["receipts"] = []
    return body


def _transaction(ctx: Context, ref: str, children: bool = False) -> dict[str, Any]:
    row = find(ctx, TRANSACTIONS, ref) or (find(ctx, AUTHORIZATIONS, ref) if children else None)
    if row is None:
        raise not_found("Transaction", ref)
    return row.body


def _unlocked(transaction: dict[str, Any]) -> None:
    if transaction["isLocked"]:
        raise unprocessable("The transaction is locked.")


def transaction_page(ctx: Context, query: Mapping[str, str]) -> Page:
    bool_param(query, "includeReceipts")
    bool_param(query, "showCustomFieldIds")
    return shaped_page(ctx, TRANSACTIONS_RESOURCE, SPEC, query, shape=lambda body: shape(query, body, True))


def get_transaction(ctx: Context, transaction_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    bool_param(query, "showCustomFieldIds")
    body = _transaction(ctx, transaction_id, children=True)
    return shape(query, present(TRANSACTIONS, body), False)


def update_transaction(
    ctx: Context, transaction_id: str, body: Any, query: Mapping[str, str]
) -> dict[str, Any]:
    """PUT /v3/spend/transactions/{transactionId} {"budgetId": ...}: move the transaction to another budget."""
    transaction = _transaction(ctx, transaction_id)
    ref = body_object(body).get("budgetId")
    if not isinstance(ref, str) or not ref:
        raise invalid_body("budgetId: must not be blank")
    budget = require(ctx, BUDGETS, ref, "Budget")
    if budget["retired"]:
        raise unprocessable("Transactions cannot be moved to a retired budget.")
    transaction.update(
        {
            "budgetId": budget["id"],
            "budgetUuid": budget["uuid"],
            "budgetName": budget["name"],
            "parentBudgetUuid": budget["parentBudgetUuid"],
        }
    )
    save(ctx, TRANSACTIONS, transaction)
    refresh(ctx)
    return shape(query, present(TRANSACTIONS, transaction), False)


def list_custom_fields(ctx: Context, transaction_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """GET /v3/spend/transactions/{transactionId}/custom-fields[?filters=customFieldIds:eq|in:...]."""
    entries = _transaction(ctx, transaction_id, children=True)["customFields"]
    text = query.get("filters") or ""
    if text:
        name, _, rest = text.partition(":")
        op, _, raw = rest.partition(":")
        if name != "customFieldIds" or op not in ("eq", "in"):
            raise invalid_parameter(
                "Only customFieldIds:eq and customFieldIds:in filter transaction custom fields."
            )
        wanted = {v.strip() for v in raw.strip('"').split(",") if v.strip()}
        entries = [e for e in entries if e["id"] in wanted or e["uuid"] in wanted]
    return {"results": entries}


def update_custom_fields(ctx: Context, transaction_id: str, body: Any) -> dict[str, Any]:
    transaction = _transaction(ctx, transaction_id)
    _unlocked(transaction)
    transaction["customFields"] = apply_updates(
        ctx, transaction["customFields"], transaction["budgetId"], body_object(body).get("customFields")
    )
    save(ctx, TRANSACTIONS, transaction)
    return {"status": "SUCCESS"}


def custom_field_values(
    ctx: Context, transaction_id: str, custom_field_id: str, query: Mapping[str, str]
) -> dict[str, Any]:
    """The values a transaction's custom field has selected, paged like an S&E list."""
    transaction = _transaction(ctx, transaction_id, children=True)
    ref = custom_field_id
    for entry in transaction["customFields"]:
        if ref in (entry["id"], entry["uuid"]):
            return page_of_items(query, entry["selectedValues"])
    require(ctx, CUSTOM_FIELDS, ref, "Custom field")
    return page_of_items(query, [])


def add_receipt(ctx: Context, transaction_id: str, body: Any) -> dict[str, Any]:
    transaction = _transaction(ctx, transaction_id)
    added = receipt(ctx, body)
    transaction["receipts"] = [*transaction["receipts"], added]
    _receipt_status(transaction)
    save(ctx, TRANSACTIONS, transaction)
    return added


def delete_receipt(ctx: Context, transaction_id: str, receipt_id: str) -> None:
    transaction = _transaction(ctx, transaction_id)
    transaction["receipts"] = drop_receipt(transaction["receipts"], receipt_id)
    _receipt_status(transaction)
    save(ctx, TRANSACTIONS, transaction)


def _receipt_status(transaction: dict[str, Any]) -> None:
    if transaction["receipts"]:
        transaction["receiptStatus"] = "ATTACHED"
        if transaction["receiptSyncStatus"] == "NO_ATTACHMENTS":
            transaction["receiptSyncStatus"] = "NOT_SYNCED"
    else:
        transaction["receiptStatus"] = "MISSING" if transaction["receiptRequired"] else "NOT_ATTACHED"
        transaction["receiptSyncStatus"] = "NO_ATTACHMENTS"


def receipt_upload_url(ctx: Context) -> dict[str, Any]:
    return {"url": upload_url(ctx, "transactions")}


def three_ds_challenge(ctx: Context, acs_transaction_id: str, body: Any) -> dict[str, Any]:
    """POST /v3/spend/transactions/{acsTransactionId}/3ds-challenge {"action": "ACCEPT" | "REJECT"} (ADMIN only)."""
    require_admin(ctx)
    action = body_object(body).get("action")
    if not isinstance(action, str) or action not in CHALLENGE_ACTIONS:
        raise invalid_body(f"action: must be one of {', '.join(CHALLENGE_ACTIONS)}")
    challenge = _challenge(ctx, acs_transaction_id)
    if challenge["status"] != "PENDING":
        raise unprocessable(f"The 3DS challenge was already {challenge['status'].lower()}.")
    challenge["status"] = CHALLENGE_ACTIONS[action]
    save(ctx, CHALLENGES, challenge)
    if action == "REJECT":
        transaction = ctx.store.get(TRANSACTIONS, challenge["transactionId"])
        if transaction is not None and transaction.body["transactionType"] == "AUTHORIZATION":
            declined = transaction.body
            declined.pop("_clearsAt", None)
            declined.update(
                {
                    "transactionType": "DECLINE",
                    "complete": True,
                    "declineReason": "3-D Secure challenge rejected",
                    "declineInternalReasonCode": "THREE_DS_REJECTED",
                }
            )
            save(ctx, TRANSACTIONS, declined)
            refresh(ctx)
    return {"id": challenge["id"], "status": challenge["status"]}


def _challenge(ctx: Context, ref: str) -> dict[str, Any]:
    row = ctx.store.get(CHALLENGES, ref)
    if row is not None and row.scope == ctx.scope:
        return row.body
    transaction = find(ctx, TRANSACTIONS, ref)
    if transaction is not None:
        for candidate in ctx.store.find(CHALLENGES, ctx.scope):
            if candidate.body["transactionId"] == transaction.id:
                return candidate.body
    raise BillApiError("BDC_1118", f"3DS challenge not found: {ref}")
