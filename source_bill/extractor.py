"""`BillRecordExtractor`: the records of a BILL list page, as the CDK's record extractor, taken
from the body parsed once (`bodies.py`) instead of by a DpathExtractor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from typing import Any

import requests
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.types import Config

from .bodies import parsed_body


@dataclass
class BillRecordExtractor(RecordExtractor):
    """The `results` of a BILL list page.

    Same output as a DpathExtractor on `[results]`, without its cost: dpath walks every field of
    every record of the page to find one top-level key, and the decoder parses the body again.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    field_name: str = "results"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        try:
            body = parsed_body(response)
        except ValueError:
            return
        if not isinstance(body, Mapping):
            return
        extracted = body.get(self.field_name)
        if isinstance(extracted, list):
            yield from extracted
        elif extracted:
            yield extracted
