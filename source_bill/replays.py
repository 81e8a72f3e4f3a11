"""Answers fetched ahead and handed back once to the request that asks for them again.

The window slicer reads the first page of a window to size it; the window's reader then gets
that very answer instead of asking BILL again, so no page is fetched only to size a window.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from .bodies import forget_parsed_body


class Replays:
    """Answers fetched ahead, each handed back once for the same request (method, URL, query).

    Installed on a session's `send`, above the HTTP adapters (and the CDK's call budget: a
    replayed answer costs no call).
    """

    def __init__(self, session: requests.Session) -> None:
        self._send = session.send
        self._kept: dict[tuple[str, str, str], requests.Response] = {}
        self._lock = threading.Lock()
        session.send = self.send  # type: ignore[method-assign]
        session.bill_replays = self  # type: ignore[attr-defined]

    @classmethod
    def of(cls, session: requests.Session) -> Replays:
        existing = getattr(session, "bill_replays", None)
        return existing if isinstance(existing, Replays) else cls(session)

    def keep(self, response: requests.Response) -> None:
        key = _request_key(response.request)
        if key is not None:
            forget_parsed_body(response)  # parsed again when handed back; keeps the bytes only
            with self._lock:
                self._kept[key] = response

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self._kept:
            key = _request_key(request)
            with self._lock:
                kept = self._kept.pop(key, None) if key else None
            if kept is not None:
                kept.request = request
                return kept
        return self._send(request, **kwargs)


def _request_key(request: requests.PreparedRequest | None) -> tuple[str, str, str] | None:
    if request is None or not request.method or not request.url:
        return None
    parts = urlsplit(request.url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return request.method, f"{parts.scheme}://{parts.netloc}{parts.path}", query
