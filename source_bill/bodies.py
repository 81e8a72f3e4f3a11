"""A response's JSON body, parsed once and kept on the response: the error handler, the record
extractors, the paginator and the window slicer all read the same page."""

from __future__ import annotations

from typing import Any

import orjson
import requests

#: Attribute holding a response's parsed JSON body, so that it is parsed once, not once each by the
#: error handler, the record extractor and the paginator.
_PARSED_BODY = "_bill_parsed_body"


def parsed_body(response: requests.Response) -> Any:
    """The response's JSON body, parsed on first use and kept on the response.

    Raises `orjson.JSONDecodeError` (a `ValueError`) when the body is not JSON.
    """
    try:
        return getattr(response, _PARSED_BODY)
    except AttributeError:
        body = orjson.loads(response.content or b"")
        setattr(response, _PARSED_BODY, body)
        return body


def forget_parsed_body(response: requests.Response) -> None:
    """Drop the parsed body kept on `response` (it is parsed again when needed)."""
    response.__dict__.pop(_PARSED_BODY, None)
