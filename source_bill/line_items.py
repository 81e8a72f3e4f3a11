"""Line-item streams: one record per line of an invoice, bill, credit memo or vendor credit.

BILL returns a document's lines inside the document. Analysts model revenue and spend by line, so
each line becomes a record of its own, read from the parent's own list pages (no request per
parent): its `id`, the parent's id under the parent's name (`invoiceId`, `billId`, ...), the
parent's `updatedTime` (the stream's cursor: a line changes only with its document) and its
fields as BILL gives them, classifications included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any

import requests
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.types import Config

from .bodies import parsed_body

CURSOR_FIELD = "updatedTime"


def lines_of(parent: Mapping[str, Any], lines_field: str, parent_key: str) -> Iterable[dict[str, Any]]:
    """The lines of one document, each with its parent's id and `updatedTime`."""
    lines = parent.get(lines_field)
    if not isinstance(lines, list):
        return
    for line in lines:
        if isinstance(line, Mapping):
            yield {**line, parent_key: parent.get("id"), CURSOR_FIELD: parent.get(CURSOR_FIELD)}


@dataclass
class BillLineItemExtractor(RecordExtractor):
    """The lines of every document on a BILL list page (`$parameters`: `lines_field`, `parent_key`)."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._lines_field = str(parameters["lines_field"])
        self._parent_key = str(parameters["parent_key"])

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        try:
            body = parsed_body(response)
        except ValueError:
            return
        results = body.get("results") if isinstance(body, Mapping) else None
        if not isinstance(results, list):
            return
        for parent in results:
            if isinstance(parent, Mapping):
                yield from lines_of(parent, self._lines_field, self._parent_key)
