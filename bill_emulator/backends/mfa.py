"""MFA (setup, challenge, step-up) and organization risk verification (KYC/KYB).

MFA state machine, per user of an organization:
  setup(phone) -> setupId; setup/validate(setupId, token) registers the phone.
  challenge() -> challengeId (needs a registered phone); challenge/validate(challengeId, token) marks the
  calling session trusted and, with rememberMe, remembers the device -> rememberMeId.
  step-up(rememberMeId, device) marks another session trusted without a new code.
The emulator sends no SMS: every token is EMULATOR_TOKEN. Tokens expire after TOKEN_SECONDS; a setup or
challenge dies after MAX_ATTEMPTS wrong tokens. Once a user has MFA, changing it needs a trusted session.

Risk verification starts IN_PROGRESS/HOLD and is decided (COMPLETED/APPROVED) RISK_SECONDS later.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import orjson

from bill_emulator.backends.context import Context
from bill_emulator.errors import BillApiError, invalid_body, not_found, unprocessable
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp
from bill_emulator.validation import body_object, empty, flag, require_fields

EMULATOR_TOKEN = "111111"
TOKEN_SECONDS = 10 * 60
MAX_ATTEMPTS = 3
REMEMBER_SECONDS = 30 * 24 * 3600
RISK_SECONDS = 60.0
SETUP_TYPES = {"TEXT": "MOBILE", "VOICE": "WORK"}  # delivery channel -> phone type listed
RISK_PHONE_TYPES = ("MOBILE",)
PHONE_KIND = "risk_verification_phones"  # scope = organization id, id = user id (also written by partners)


# -- small helpers -----------------------------------------------------------------------------
def _load(ctx: Context, key: str) -> Any:
    raw = ctx.store.meta(key)
    return orjson.loads(raw) if raw else None


def _save(ctx: Context, key: str, value: Any) -> None:
    ctx.store.set_meta(key, orjson.dumps(value).decode())


def _drop(ctx: Context, key: str) -> None:
    ctx.store.execute("DELETE FROM meta WHERE key = ?", (key,))


def _body(body: Any, *required: str) -> dict[str, Any]:
    body = body_object(body)
    require_fields(body, required, blank=empty)
    return body


def _flag(value: Any, name: str) -> bool:
    """An optional boolean (false when absent)."""
    return False if value is None else flag(value, name)


def normalize_phone(value: Any, name: str) -> str:
    """A US phone number as 10 digits (punctuation and a leading +1 are fine)."""
    digits = re.sub(r"[\s().+-]", "", value) if isinstance(value, str) else ""
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not digits.isdigit():
        raise invalid_body(f"{name}: must be a valid 10-digit phone number")
    return digits


# -- trust and roles (used by other families) --------------------------------------------------
def session_trusted(ctx: Context, session_id: str | None) -> bool:
    rows = ctx.store.execute("SELECT trusted FROM sessions WHERE session_id = ?", (session_id or "",))
    return bool(rows and rows[0][0])


def require_trusted(ctx: Context) -> None:
    """Operations BILL guards with MFA answer 403 BDC_1361 on an untrusted session."""
    if not session_trusted(ctx, ctx.session_id):
        raise BillApiError("BDC_1361")


def require_admin(ctx: Context) -> None:
    row = ctx.store.get("users", ctx.user_id or "")
    if row is None or row.scope != ctx.scope or row.body.get("role", {}).get("type") != "ADMINISTRATOR":
        raise BillApiError(
            "BDC_1145", "The signed-in user must have the ADMINISTRATOR role to perform this operation."
        )


def _trust(ctx: Context, session_id: str | None) -> None:
    ctx.store.execute("UPDATE sessions SET trusted = 1 WHERE session_id = ?", (session_id or "",))


def remembered_device(
    ctx: Context, organization_id: str, user_id: str, remember_me_id: str, device: str
) -> bool:
    """True when rememberMeId + device name a device this user chose to remember (login, step-up)."""
    entry = _load(ctx, f"mfa-remember:{remember_me_id}")
    return bool(
        entry
        and entry["scope"] == organization_id
        and entry["user"] == user_id
        and entry["device"] == device
        and ctx.clock.now() < entry["expires"]
    )


def mfa_status(ctx: Context, user_id: str | None) -> str:
    """What GET /v3/login/session could report: DISABLED until a phone is registered."""
    return "COMPLETE" if _phones(ctx, user_id) else "DISABLED"


# -- MFA setup ---------------------------------------------------------------------------------
def _phones_key(ctx: Context, user_id: str | None) -> str:
    return f"mfa-phones:{ctx.scope}:{user_id}"


def _phones(ctx: Context, user_id: str | None) -> list[dict[str, Any]]:
    return _load(ctx, _phones_key(ctx, user_id)) or []


def list_phones(ctx: Context) -> dict[str, Any]:
    """The signed-in user's registered MFA phones, last four digits only."""
    phones = _phones(ctx, ctx.user_id)
    return {
        "results": [
            {"type": p["type"], "last4digits": p["phone"][-4:], "primary": p["primary"]} for p in phones
        ]
    }


def setup(ctx: Context, body: Any) -> dict[str, Any]:
    """{phone, type, primary} -> {setupId}; a token goes to the phone."""
    body = _body(body, "phone")
    phone = normalize_phone(body["phone"], "phone")
    channel = body.get("type", "TEXT")
    if not isinstance(channel, str) or channel not in SETUP_TYPES:
        raise invalid_body(f"type: must be one of {', '.join(SETUP_TYPES)}")
    primary = _flag(body.get("primary"), "primary")
    if _phones(ctx, ctx.user_id):
        require_trusted(ctx)  # resetting MFA needs an MFA-trusted session
    setup_id = ctx.ids.token(32)
    _save(
        ctx,
        f"mfa-setup:{setup_id}",
        {
            "scope": ctx.scope,
            "user": ctx.user_id,
            "phone": phone,
            "type": channel,
            "primary": primary,
            "expires": ctx.clock.now() + TOKEN_SECONDS,
            "attempts": 0,
        },
    )
    return {"setupId": setup_id}


def _check_token(
    ctx: Context, key: str, entry: dict[str, Any] | None, token: Any, what: str
) -> dict[str, Any] | BillApiError:
    """Shared by setup and challenge validation: ownership, expiry, attempts, the code itself.

    A wrong token is returned as the error to answer rather than raised, so the attempt count is committed
    (raising rolls the request's transaction back)."""
    if entry is None or entry["scope"] != ctx.scope or entry["user"] != ctx.user_id:
        raise not_found(what, key.split(":", 1)[1])
    if ctx.clock.now() >= entry["expires"]:
        raise unprocessable("The MFA token has expired. Request a new one.")
    if str(token) == EMULATOR_TOKEN:
        _drop(ctx, key)
        return entry
    entry["attempts"] += 1
    if entry["attempts"] >= MAX_ATTEMPTS:
        _drop(ctx, key)
        error = unprocessable("Too many invalid MFA attempts. Request a new token.")
    else:
        _save(ctx, key, entry)
        error = invalid_body("token: the MFA token is invalid")
    return error


def validate_setup(ctx: Context, body: Any) -> dict[str, Any] | BillApiError:
    """{setupId, type, token}: registers the phone for MFA sign-in (a wrong token: the error to answer)."""
    body = _body(body, "setupId", "token")
    key = f"mfa-setup:{body['setupId']}"
    entry = _check_token(ctx, key, _load(ctx, key), body["token"], "MFA setup")
    if isinstance(entry, BillApiError):
        return entry
    phones = [p for p in _phones(ctx, ctx.user_id) if p["phone"] != entry["phone"]]
    primary = entry["primary"] or not any(p["primary"] for p in phones)
    if primary:
        for p in phones:
            p["primary"] = False
    phones.append({"phone": entry["phone"], "type": SETUP_TYPES[entry["type"]], "primary": primary})
    phones.sort(key=lambda p: not p["primary"])
    _save(ctx, _phones_key(ctx, ctx.user_id), phones)
    return {"status": "SUCCESS"}


# -- MFA sign-in -------------------------------------------------------------------------------
def challenge(ctx: Context, body: Any) -> dict[str, Any]:
    """{useBackup} -> {challengeId}; a token goes to the primary (or backup) phone."""
    body = body if isinstance(body, dict) else {}
    use_backup = _flag(body.get("useBackup"), "useBackup")
    phones = _phones(ctx, ctx.user_id)
    if not phones:
        raise unprocessable("MFA is not set up for this user. Add a phone with POST /v3/mfa/setup first.")
    targets = [p for p in phones if p["primary"] != use_backup]
    if not targets:
        raise unprocessable("No backup phone is registered for MFA.")
    challenge_id = ctx.ids.token(32)
    _save(
        ctx,
        f"mfa-challenge:{challenge_id}",
        {"scope": ctx.scope, "user": ctx.user_id, "expires": ctx.clock.now() + TOKEN_SECONDS, "attempts": 0},
    )
    return {"challengeId": challenge_id}


def validate_challenge(ctx: Context, body: Any) -> dict[str, Any] | BillApiError:
    """The session becomes MFA trusted; rememberMe -> rememberMeId (a wrong token: the error to answer)."""
    body = _body(body, "challengeId", "token")
    remember = _flag(body.get("rememberMe"), "rememberMe")
    if remember and not body.get("device"):
        raise invalid_body("device: must not be blank when rememberMe is true")
    key = f"mfa-challenge:{body['challengeId']}"
    checked = _check_token(ctx, key, _load(ctx, key), body["token"], "MFA challenge")
    if isinstance(checked, BillApiError):
        return checked
    _trust(ctx, ctx.session_id)
    remember_me_id = None
    if remember:
        remember_me_id = ctx.ids.token(40)
        _save(
            ctx,
            f"mfa-remember:{remember_me_id}",
            {
                "scope": ctx.scope,
                "user": ctx.user_id,
                "device": body["device"],
                "machineName": body.get("machineName") or "",
                "expires": ctx.clock.now() + REMEMBER_SECONDS,
            },
        )
    return {"rememberMeId": remember_me_id}


def step_up(ctx: Context, body: Any) -> dict[str, Any]:
    """{rememberMeId, device} -> {trusted}: trust this session from a remembered device."""
    body = _body(body, "rememberMeId", "device")
    trusted = remembered_device(
        ctx, ctx.scope, ctx.user_id or "", str(body["rememberMeId"]), str(body["device"])
    )
    if trusted:
        _trust(ctx, ctx.session_id)
    return {"trusted": trusted}


# -- risk verification -------------------------------------------------------------------------
def _risk_key(ctx: Context) -> str:
    return f"risk-verification:{ctx.scope}"


def _risk_state(ctx: Context) -> dict[str, Any] | None:
    """The organization's verification; an IN_PROGRESS one is decided once RISK_SECONDS have passed."""
    state = _load(ctx, _risk_key(ctx))
    if (
        state
        and state["processingStatus"] == "IN_PROGRESS"
        and ctx.clock.now() >= state["startedAt"] + RISK_SECONDS
    ):
        state.update(processingStatus="COMPLETED", decision="APPROVED")
        _save(ctx, _risk_key(ctx), state)
    return state


def _reference_id(ctx: Context) -> str:
    """The KYC/KYB case reference: a UUID."""
    return str(uuid.UUID(hashlib.sha256(ctx.ids.token(32).encode()).hexdigest()[:32]))


def _risk_view(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state[k] for k in ("processingStatus", "decision", "referenceId")}


def get_risk_verification(ctx: Context) -> dict[str, Any]:
    state = _risk_state(ctx)
    if state is None:
        raise not_found("Risk verification for organization", ctx.scope)
    return _risk_view(state)


def initiate_risk_verification(ctx: Context) -> dict[str, Any]:
    """KYC/KYB check; the signed-in administrator needs a phone first."""
    require_admin(ctx)
    if not has_risk_phone(ctx, ctx.user_id):
        raise unprocessable(
            "Add a phone number for the signed-in user with POST /v3/risk-verifications/phone "
            "before initiating risk verification."
        )
    state = _risk_state(ctx)
    if state is None:
        state = {
            "processingStatus": "IN_PROGRESS",
            "decision": "HOLD",
            "referenceId": _reference_id(ctx),
            "startedAt": ctx.clock.now(),
        }
        _save(ctx, _risk_key(ctx), state)
    return _risk_view(state)


def has_risk_phone(ctx: Context, user_id: str | None) -> bool:
    row = ctx.store.get(PHONE_KIND, user_id or "")
    return row is not None and row.scope == ctx.scope


def add_risk_phone(ctx: Context, user_id: str, body: Any) -> None:
    """Link a phone to a user for risk verification, in the records the partner route writes too."""
    body = body_object(body)
    number = body.get("phoneNumber")
    digits = re.sub(r"[\s().-]", "", number) if isinstance(number, str) else ""
    if not re.fullmatch(r"\+?[0-9]{10,15}", digits):
        raise invalid_body("phoneNumber: must be a valid phone number")
    if body.get("phoneType") not in RISK_PHONE_TYPES:
        raise invalid_body(f"phoneType: must be one of {', '.join(RISK_PHONE_TYPES)}")
    now = ctx.now()
    record = {
        "id": user_id,
        "userId": user_id,
        "phoneNumber": digits,
        "phoneType": body["phoneType"],
        "createdTime": now,
        "updatedTime": now,
    }
    current = ctx.store.get(PHONE_KIND, user_id)
    if current is None:
        ctx.store.insert(PHONE_KIND, ctx.scope, record)
    else:
        record["createdTime"] = current.body["createdTime"]
        ctx.store.replace(PHONE_KIND, record)


# -- seed --------------------------------------------------------------------------------------
def seed(plan: SeedPlan) -> None:
    """Seeded organizations passed risk verification long ago. Their administrator signs in to BILL's
    web app, so has MFA set up (a primary mobile phone) and a phone on file for risk verification."""
    ctx = plan.ctx
    verified_at = plan.start.timestamp() - 29 * 24 * 3600
    _save(
        ctx,
        _risk_key(ctx),
        {
            "processingStatus": "COMPLETED",
            "decision": "APPROVED",
            "referenceId": _reference_id(ctx),
            "startedAt": verified_at,
        },
    )
    phone = ctx.fake.phone()
    _save(ctx, _phones_key(ctx, ctx.user_id), [{"phone": phone, "type": "MOBILE", "primary": True}])
    stamp = format_timestamp(verified_at)
    record = {
        "id": ctx.user_id,
        "userId": ctx.user_id,
        "phoneNumber": phone,
        "phoneType": "MOBILE",
        "createdTime": stamp,
        "updatedTime": stamp,
    }
    ctx.store.insert(PHONE_KIND, ctx.scope, record)
