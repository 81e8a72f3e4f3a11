"""Console entry point `source-bill`: builds SourceBill from the run's config, catalog and state.

A bad config ends as Airbyte expects, with the connector's own message naming the field or cause and
no traceback: `check` prints a FAILED CONNECTION_STATUS and exits 0; `discover` and `read` print a
config_error TRACE and exit 1, before any request is sent.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    ConnectorSpecification,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from . import cdk_internals as cdk
from .client.sessions import reset_shared_sessions, share_logins
from .config import ConfigError, prepare_config, validate_config
from .organization_processes import message_line, work, worker_processes
from .source import SourceBill, organization_threads
from .tuning import read_many_organizations


def _failure(message: str, internal: str, stack_trace: str | None = None) -> None:
    """Print a config-error TRACE message (the platform shows `message`)."""
    trace = AirbyteMessage(
        type=Type.TRACE,
        trace=AirbyteTraceMessage(
            type=TraceType.ERROR,
            emitted_at=int(datetime.now(timezone.utc).timestamp() * 1000),
            error=AirbyteErrorTraceMessage(
                message=message,
                internal_message=internal,
                failure_type=FailureType.config_error,
                stack_trace=stack_trace,
            ),
        ),
    )
    print(orjson.dumps(AirbyteMessageSerializer.dump(trace)).decode())


def _summary(error: Exception, limit: int = 300) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:limit]}" if text else type(error).__name__


def _get_source(args: list[str]) -> SourceBill | None:
    """The source built from the run's files, or None after a TRACE error naming the bad file."""
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    config_path = AirbyteEntrypoint.extract_config(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    try:
        config = SourceBill.read_config(config_path) if config_path else None
    except Exception as error:
        # No detail from the file: it holds secrets.
        _failure("Could not read the config file: it is not a JSON object.", type(error).__name__)
        return None
    try:
        catalog = SourceBill.read_catalog(catalog_path) if catalog_path else None
    except Exception as error:
        _failure(f"Could not read the catalog file ({_summary(error)}).", _summary(error, 2000))
        return None
    try:
        state = SourceBill.read_state(state_path) if state_path else None
    except Exception as error:
        _failure(
            "Could not read the state file: it must be a JSON list of per-stream state messages "
            f"({_summary(error)}). Reset the connection's state if it was edited.",
            _summary(error, 2000),
        )
        return None
    kinds = {str(getattr(message.type, "value", message.type)) for message in state or []}
    if kinds - {"STREAM"}:
        _failure(
            f"The state holds {', '.join(sorted(kinds - {'STREAM'}))} state, but this connector keeps one state per "
            "stream (STREAM). Reset the connection's state.",
            f"state types: {sorted(kinds)}",
        )
        return None
    try:
        return SourceBill(catalog=catalog, config=config, state=state)
    except Exception as error:
        _failure(
            f"Could not start the BILL source: {type(error).__name__}. Check the config, catalog and state files.",
            type(error).__name__,
            traceback.format_exc(),
        )
        return None


class BillEntrypoint(AirbyteEntrypoint):
    """The CDK's entrypoint with the connector's config validation in place of the CDK's spec check.

    The CDK's check says "... is not valid under any of the given schemas" or "0 is less than the
    minimum of 1" without naming the field; `validate_config` names it, and also applies the rules
    a JSON schema cannot hold (start_date in the past, base URL shape, BILL's gateways in Airbyte
    Cloud). `discover` and `read` run the same validation first, so no request (not even the login)
    is sent with a config that cannot work.
    """

    @staticmethod
    def validate_connection(source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:
        try:
            validate_config(prepare_config(config))
        except ConfigError as error:
            raise error.traced() from None

    def discover(
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any]
    ) -> Iterable[AirbyteMessage]:
        self.set_up_secret_filter(config, source_spec.connectionSpecification)
        self.validate_connection(source_spec, config)
        yield from super().discover(source_spec, config)

    def read(
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any], catalog: Any, state: list[Any]
    ) -> Iterable[AirbyteMessage]:
        self.set_up_secret_filter(config, source_spec.connectionSpecification)
        self.validate_connection(source_spec, config)
        yield from super().read(source_spec, config, catalog, state)


def launch(source: SourceBill, args: list[str]) -> None:
    """The CDK's `launch` with `BillEntrypoint`; a config error ends in a TRACE and exit code 1.

    The CDK would hand the error to its exception hook, which logs the traceback as a FATAL message
    and adds it to the TRACE: noise for a config the user has to fix.
    """
    entrypoint = BillEntrypoint(source)
    cdk.write_messages_with(message_line)  # a child process's records are written as it wrote them
    parsed_args = entrypoint.parse_args(args)
    try:
        if _work_for_parent(source, entrypoint, parsed_args):
            return
        with PRINT_BUFFER:
            for message in entrypoint.run(parsed_args):
                print(f"{message}\n", end="")
    except AirbyteTracedException as error:
        if error.failure_type != FailureType.config_error:
            raise
        trace = error.as_sanitized_airbyte_message()
        if trace.trace and trace.trace.error:
            trace.trace.error.stack_trace = None
        print(orjson.dumps(AirbyteMessageSerializer.dump(trace)).decode())
        sys.exit(1)  # the platform takes a non-zero exit code as a failed run


def _work_for_parent(source: SourceBill, entrypoint: BillEntrypoint, parsed_args: Any) -> bool:
    """As a child of a sync of many organizations, read the organizations of its config and write
    their messages for the parent (`organization_processes.py`); False for any other command."""
    if parsed_args.command != "read":
        return False
    config = source.read_config(parsed_args.config)
    processes = worker_processes(config)
    if processes is None:
        return False
    spec = source.spec(entrypoint.logger)
    entrypoint.set_up_secret_filter(config, spec.connectionSpecification)
    entrypoint.validate_connection(spec, config)
    prepared = prepare_config(config)
    share_logins(processes)
    read_many_organizations()
    reset_shared_sessions(include_login_budgets=True)  # a forked child's start, as a new process's
    catalog = source.read_catalog(parsed_args.catalog)
    state = source.read_state(parsed_args.state) if parsed_args.state else None
    work(organization_threads(entrypoint.logger, config, prepared, catalog, state))
    return True


def run() -> None:
    args = sys.argv[1:]
    source = _get_source(args)
    if source is None:
        sys.exit(1)  # the platform takes a non-zero exit code as a failed run
    launch(source, args)


if __name__ == "__main__":
    run()
