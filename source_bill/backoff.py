"""`BillBackoffStrategy`: how long to wait before retrying a BILL request, as the CDK's backoff
strategy.

BILL's error code decides (`client.retry.decide`): the next hour for BDC_1144 (up to the
configured maximum, else the sync stops with a message), a short growing wait for BDC_1322; and
the last attempt at HTTP 429 names its cause instead of the CDK's bare "rate limit exceeded".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from datetime import datetime, timezone
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from . import messages
from .client import limits
from .client.auth import OAUTH, auth_type_of
from .client.errors import error_from_response
from .client.retry import Action, decide

#: Retries of a request (the error handler's `max_retries`): the attempt after the last one is where
#: the backoff strategy names the cause of an HTTP 429.
DEFAULT_MAX_RETRIES = 6


@dataclass
class BillBackoffStrategy(BackoffStrategy):
    """Waits per BILL error: next hour for BDC_1144 (up to a maximum), short for BDC_1322."""

    config: Config
    parameters: InitVar[Mapping[str, Any] | None] = None

    def __post_init__(self, parameters: Mapping[str, Any] | None) -> None:
        self._max_wait = int(self.config.get("max_rate_limit_wait_seconds", 3660))
        self._bearer = auth_type_of(self.config) == OAUTH

    def backoff_time(
        self, response_or_exception: requests.Response | requests.RequestException | None, attempt_count: int
    ) -> float | None:
        if not isinstance(response_or_exception, requests.Response):
            if isinstance(response_or_exception, requests.RequestException):
                return decide(response_or_exception, attempt_count).wait
            return limits.transient_backoff(attempt_count)
        response = response_or_exception
        error = error_from_response(response.status_code, response.content)
        decision = decide(error, attempt_count, bearer=self._bearer)
        if response.status_code == 429 and attempt_count == DEFAULT_MAX_RETRIES + 1:
            # The CDK makes no attempt after this one and would report it as a bare "API rate limit
            # exceeded."; name the cause instead.
            message = filter_secrets(messages.for_error(error, None))
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.transient_error
            )
        if decision.action is Action.WAIT_FOR_NEXT_HOUR:
            wait = limits.seconds_until_next_hour(datetime.now(timezone.utc))
            if wait > self._max_wait:
                message = (
                    "BILL's hourly request limit for this developer key is used up (BDC_1144). The next hour starts in "
                    f"{int(wait)} seconds, more than 'Maximum wait for the hourly limit' ({self._max_wait} s), so the "
                    "sync stops here; the next sync resumes from the saved state."
                )
                raise AirbyteTracedException(
                    message=message, internal_message=message, failure_type=FailureType.transient_error
                )
            return wait
        return decision.wait if decision.retries else limits.transient_backoff(attempt_count)
