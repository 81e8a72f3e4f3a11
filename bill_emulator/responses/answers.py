"""The thin response most routes are: call the family's model with the call's context, the path values
the route names (in order), then the request body and the query where the model takes them, and reply
with what the model returns (answer), with a fixed payload when it returns nothing (done), or with the
S&E list page it returns (page_of)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bill_emulator.handlers import Call, Handler, Reply, page_payload
from bill_emulator.query import Page


def _arguments(call: Call, path: tuple[str, ...], body: bool, query: bool) -> list[Any]:
    arguments: list[Any] = [call.ctx, *(call.path[name] for name in path)]
    if body:
        arguments.append(call.body)
    if query:
        arguments.append(call.query)
    return arguments


def answer(
    model: Callable[..., Any], *path: str, body: bool = False, query: bool = False, status: int = 200
) -> Handler:
    """Reply `status` with what the model returns."""

    def handler(call: Call) -> Reply:
        return Reply(status, model(*_arguments(call, path, body, query)))

    return handler


def done(
    model: Callable[..., Any],
    *path: str,
    body: bool = False,
    query: bool = False,
    status: int = 200,
    payload: dict[str, Any] | None = None,
) -> Handler:
    """Reply `status` with `payload` (none by default) once the model is done."""

    def handler(call: Call) -> Reply:
        model(*_arguments(call, path, body, query))
        return Reply(status, None if payload is None else dict(payload))

    return handler


def page_of(model: Callable[..., Page], *path: str) -> Handler:
    """Reply 200 with the page of a list the model returns for the query."""

    def handler(call: Call) -> Reply:
        return Reply(200, raw=page_payload(model(*_arguments(call, path, False, True))))

    return handler
