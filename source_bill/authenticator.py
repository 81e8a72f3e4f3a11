"""`BillAuthenticator`: BILL's credentials on every request, as the CDK's authenticator.

Session login (AP/AR, partner), API token (Spend & Expense) or OAuth access token (Bearer), with
one session or token shared by every stream and request of the sync (`context.BillContext`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any

from airbyte_cdk.sources.declarative.auth.declarative_authenticator import DeclarativeAuthenticator
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .context import ContextMixin, as_traced


@dataclass
class BillAuthenticator(ContextMixin, DeclarativeAuthenticator):
    """Adds `devKey`+`sessionId` (AP/AR), `appKey`+`sessionId` (partner), `apiToken` (S&E) or
    `Authorization: Bearer` (OAuth)."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._context = None

    def get_auth_header(self) -> Mapping[str, Any]:
        context = self.context()
        session_id = None
        sessions = context.sessions()
        if sessions is not None:
            try:
                session_id = sessions.session_id()
            except AirbyteTracedException:
                raise
            except Exception as error:
                raise as_traced(error, context) from None
        return context.credentials.headers(session_id)

    @property
    def auth_header(self) -> str:
        return ""

    @property
    def token(self) -> str:
        return ""
