"""`SourceBill`: the declarative manifest plus BILL-specific check and config handling."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    FailureType,
    Status,
)
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from . import cdk_internals as cdk
from .check import check_connection, discoverable_products
from .client.auth import AP_AR, OAUTH, auth_type_of
from .client.client import BillClient
from .client.errors import BillApiError
from .client.gate import gate_session
from .client.pagination import RepeatedCursorError
from .client.sessions import LoginLimitError, reset_shared_sessions
from .config import (
    OAUTH_PRODUCTS_KEY,
    ConfigError,
    prepare_config,
    request_timeout,
    spec_error,
    validate_config,
)
from .context import as_traced, bill_context
from .organization_processes import ChildReads, groups_of, process_count, worker_processes
from .organization_reads import OrganizationReads, Producer, ThreadedReads
from .organization_states import OrganizationStates, states_of
from .organizations import (
    client_organizations,
    config_for,
    first_organization,
    listed_organizations,
    login_organizations,
    reads_many,
)
from .scheduling import schedule
from .state import check_states
from .tuning import tune_streams

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")
#: Records (and other messages) read but not yet written, at most: about ten pages.
RECORDS_IN_FLIGHT = 1_000


@lru_cache(maxsize=4)
def _parsed_manifest(path: str) -> Mapping[str, Any]:
    with open(path) as manifest:
        return cdk.parse_manifest(manifest.read())


def _set_read_timeouts(node: Any, seconds: int) -> None:
    """Give every requester of the manifest the configured read timeout (`request_timeout_seconds`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "read_timeout_in_seconds":
                node[key] = seconds
            else:
                _set_read_timeouts(value, seconds)
    elif isinstance(node, list):
        for item in node:
            _set_read_timeouts(item, seconds)


class SourceBill(cdk.DeclarativeSourceHooks):
    """BILL source. Build it with the config, catalog and state of the run (see `run.py`).

    The CDK's declarative source reads only the config given to its constructor. So that
    `check`, `discover` and `read` honour the config they are given (e.g. when the source was
    built with no arguments by `airbyte-cdk connector test`), each of them runs on a source
    built from that config whenever it differs from the constructor's.
    """

    # `validate_config` checks the config against the spec itself, naming the field at fault where
    # the CDK's check says "... is not valid under any of the given schemas" about the credentials.
    check_config_against_spec = False

    def __init__(
        self,
        catalog: ConfiguredAirbyteCatalog | None = None,
        config: Mapping[str, Any] | None = None,
        state: list[AirbyteStateMessage] | None = None,
        **kwargs: Any,
    ) -> None:
        self._raw_config = dict(config or {})
        self._catalog_arg = catalog
        state = check_states(state)[0] if state else state  # a damaged cursor must not crash the CDK
        self._state_arg = state
        super().__init__(
            path_to_yaml=str(MANIFEST_PATH),
            catalog=catalog,
            config=prepare_config(config),
            state=state,
            **kwargs,
        )
        # The CDK's queue between the reading threads and the thread writing messages holds up to
        # 10,000 records; when the writer is the slower side (at low latency) it fills, and the
        # records in it were half of the connector's peak memory in a long sync. A few pages keep
        # the writer busy just as well. (The writer itself never blocks on a full queue.)
        cdk.cap_record_queue(self, RECORDS_IN_FLIGHT)

    def load_manifest(self, path_to_yaml_file: str) -> Any:
        # Parsed once per process; every source gets its own copy.
        manifest = copy.deepcopy(_parsed_manifest(path_to_yaml_file))
        seconds = request_timeout(self._raw_config)
        if seconds is not None:
            _set_read_timeouts(manifest, seconds)
        return manifest

    def _built_for(
        self,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog | None = None,
        state: list[AirbyteStateMessage] | None = None,
    ) -> SourceBill:
        """This source if it was built from these arguments, else a new one that is."""
        same_config = prepare_config(config) == cdk.source_config(self)
        same_catalog = catalog is None or catalog == self._catalog_arg
        same_state = state is None or state == (self._state_arg or [])
        if same_config and same_catalog and same_state:
            return self
        return SourceBill(
            catalog=catalog if catalog is not None else self._catalog_arg,
            config=config,
            state=state if state is not None else self._state_arg,
        )

    def configure(self, config: Mapping[str, Any], temp_dir: str) -> Mapping[str, Any]:
        # The CDK prefers the constructor's config here, which has defaults filled in even when the
        # source was built without one; the config of the command always wins.
        return config or self._raw_config

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        succeeded, message = check_connection(prepare_config(config))
        if succeeded:
            if message:
                logger.info(message)
            return AirbyteConnectionStatus(status=Status.SUCCEEDED, message=message)
        return AirbyteConnectionStatus(status=Status.FAILED, message=message)

    def streams(self, config: Mapping[str, Any]) -> list[Any]:  # type: ignore[override]
        streams = super().streams(config)
        # BILL's 3 request slots shared by every request; large updatedTime windows split.
        tune_streams(streams, self._config)
        return streams

    def order_streams(self, streams: list[Any]) -> list[Any]:
        # Streams read one request per parent record start last: they fill the gaps at the end.
        return schedule(streams)

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        prepared = prepare_config(config)
        problem = spec_error(prepared)
        if problem:
            raise ConfigError(problem).traced()
        if auth_type_of(prepared) == OAUTH:
            # The manifest lists the streams of the products the access token reaches.
            config = {**config, OAUTH_PRODUCTS_KEY: _oauth_products(prepared, logger)}
        source = self._built_for(config)
        return ConcurrentDeclarativeSource.discover(source, logger, cdk.source_config(source))

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        prepared = prepare_config(config)
        try:
            validate_config(prepared)
        except ConfigError as error:
            raise error.traced() from None
        # One login per organization and sync: forget sessions left over from an earlier operation.
        reset_shared_sessions()
        if reads_many(prepared):
            yield from _read_organizations(logger, config, prepared, catalog, state)
            return
        if state and auth_type_of(prepared) == AP_AR:
            organization_id = first_organization(prepared)  # a state kept per organization: this one's
            state = states_of(state, organization_id, organization_id)
        state = _checked_states(state, catalog, logger)
        sign_in_before_reading(prepared)
        source = self._built_for(config, catalog, state)
        yield from ConcurrentDeclarativeSource.read(source, logger, cdk.source_config(source), catalog, state)


def _checked_states(
    state: list[AirbyteStateMessage] | None, catalog: ConfiguredAirbyteCatalog, logger: logging.Logger
) -> list[AirbyteStateMessage] | None:
    if not state:
        return state
    state, notes = check_states(state, [configured.stream.name for configured in catalog.streams])
    for note in notes:
        logger.warning(note)
    return state


def _read_organizations(
    logger: logging.Logger,
    config: Mapping[str, Any],
    prepared: Mapping[str, Any],
    catalog: ConfiguredAirbyteCatalog,
    state: list[AirbyteStateMessage] | None,
) -> Iterator[AirbyteMessage]:
    """Read each organization the config names (or every one BILL lists for the user) side by side:
    in child processes when there are several and more than one core (`organization_processes.py`),
    else in this process's threads."""
    first = first_organization(prepared)
    organizations = listed_organizations(prepared)
    if organizations is None:
        organizations = reachable_organizations(prepared)
    processes = 1 if worker_processes(prepared) is not None else process_count(len(organizations))
    logger.info(
        f"Reading {len(organizations)} BILL organizations"
        + (f" in {processes} processes" if processes > 1 else "")
        + f": {', '.join(organizations)}"
    )
    producer: Producer
    if processes > 1:
        producer = ChildReads(
            groups_of(organizations, processes),
            config,
            ConfiguredAirbyteCatalogSerializer.dump(catalog),
            [AirbyteStateMessageSerializer.dump(message) for message in state] if state else None,
            logger,
        )
    else:
        producer = organization_threads(logger, config, prepared, catalog, state, organizations)
    reads = OrganizationReads(
        organizations,
        [configured.stream.name for configured in catalog.streams],
        None,
        OrganizationStates(state, organizations, first),
        logger,
        producer=producer,
    )
    yield from reads.messages()


def organization_threads(
    logger: logging.Logger,
    config: Mapping[str, Any],
    prepared: Mapping[str, Any],
    catalog: ConfiguredAirbyteCatalog,
    state: list[AirbyteStateMessage] | None,
    organizations: list[str] | None = None,
) -> ThreadedReads:
    """The organizations' reads in this process's threads, one source (session, slots) each."""
    first = first_organization(prepared)
    if organizations is None:
        organizations = listed_organizations(prepared) or [first]

    def read_one(organization_id: str) -> Iterator[AirbyteMessage]:
        own_state = _checked_states(states_of(state, organization_id, first), catalog, logger)
        own_config = config_for(config, organization_id)
        sign_in_before_reading(prepare_config(own_config))
        source = SourceBill(catalog=catalog, config=own_config, state=own_state)
        yield from ConcurrentDeclarativeSource.read(
            source, logger, cdk.source_config(source), catalog, own_state
        )

    return ThreadedReads(organizations, read_one)


def reachable_organizations(config: Mapping[str, Any]) -> list[str]:
    """The client organizations BILL lists for the user, asked after signing in to `organization_id`."""
    sign_in_before_reading(config)
    context = bill_context(config)
    http = requests.Session()
    gate_session(http, context.gate())
    client = BillClient.from_config(config, http=http, session_manager=context.sessions())
    try:
        entries = login_organizations(client)
    except (BillApiError, LoginLimitError, RepeatedCursorError, requests.RequestException) as error:
        raise as_traced(error, context) from None
    organizations = client_organizations(entries)
    if not organizations:
        raise ConfigError(
            "BILL lists no organization this user can read (GET /v3/login/organizations), so 'all_organizations' "
            "reads nothing. Name the organizations in 'organization_ids' instead."
        ).traced()
    return organizations


def _oauth_products(config: Mapping[str, Any], logger: logging.Logger) -> list[str]:
    """The products an OAuth config's access token reaches (one token request and one list call each);
    the reason a product is left out is logged."""
    try:
        validate_config(config)
        products, note = discoverable_products(config)
    except ConfigError as error:
        raise error.traced() from None
    if note:
        logger.warning(note)
    return products


def sign_in_before_reading(config: Mapping[str, Any]) -> None:
    """Open the read's BILL session before any stream starts (the streams then share it).

    Credentials BILL rejects (a wrong password, developer key or app key) end the read here with one
    config error, instead of one error with a stack trace per stream. Anything else (BILL busy, the
    network) is left to the read, which retries it like any request.
    """
    context = bill_context(config)  # the config is validated: this raises only on credentials it lacks
    sessions = context.sessions()
    if sessions is None:
        return  # an API token: no session to open
    try:
        sessions.session_id()
    except AirbyteTracedException as error:
        if error.failure_type == FailureType.config_error:
            raise
    except BillApiError as error:
        traced = as_traced(error, context)
        if traced.failure_type == FailureType.config_error:
            raise traced from None
    except Exception:
        return  # not the credentials: the read meets it again, with its retries and its messages
