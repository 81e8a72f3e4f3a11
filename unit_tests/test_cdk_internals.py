"""The CDK internals the connector relies on (source_bill/cdk_internals.py) are all still there.

A new airbyte-cdk that renames one of them would otherwise silently drop a tuning (the 3-slot gate,
the updatedTime windows, state inside windows): these tests fail first, naming the CDK version and
the internal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from typing import Any

import pytest
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor

from source_bill import cdk_internals
from source_bill.cdk_internals import CDK_VERSION, INTERNALS, Internal
from source_bill.source import SourceBill
from source_bill.tuning import tune_streams
from unit_tests.integration.config import ConfigBuilder


def _objects(source: SourceBill) -> Iterator[Any]:
    """Every object of a built source the internals are looked up on."""
    yield source
    yield getattr(source, "_concurrent_source", None)
    for stream in source.streams(cdk_internals.source_config(source)):
        yield stream
        generator = getattr(stream, "_stream_partition_generator", None)
        yield generator
        factory = getattr(generator, "_partition_factory", None)
        yield factory
        retriever = getattr(factory, "_retriever", None)
        requester = getattr(retriever, "requester", None)
        yield requester
        http_client = getattr(requester, "_http_client", None)
        yield http_client
        budget = getattr(http_client, "_api_budget", None)
        yield budget
        yield from getattr(budget, "_policies", None) or []
        yield stream.cursor


def missing_internals(objects: Iterable[Any], internals: Iterable[Internal] = INTERNALS) -> list[str]:
    """The internals no longer found, each named with the installed CDK version and its use."""
    by_class: dict[type, list[Any]] = {}
    for obj in objects:
        if obj is not None:
            for cls in type(obj).__mro__:
                by_class.setdefault(cls, []).append(obj)
    problems = []
    for internal in internals:
        try:
            owner = internal.owner_class()
        except (ImportError, AttributeError):
            problems.append(f"{internal.module}.{internal.owner} is gone")
            continue
        if internal.kind in ("method", "function"):
            found = callable(getattr(owner, internal.name, None))
        elif internal.kind == "property":
            found = isinstance(getattr(owner, internal.name, None), property)
        else:
            instances = by_class.get(owner, [])
            found = bool(instances) and all(hasattr(instance, internal.name) for instance in instances)
        if not found:
            problems.append(
                f"airbyte-cdk {version('airbyte-cdk')} has no {internal.label} (used to {internal.use}); "
                f"source_bill/cdk_internals.py was written for airbyte-cdk {CDK_VERSION}"
            )
    return problems


@pytest.fixture(scope="module")
def built_source() -> SourceBill:
    return SourceBill(config=ConfigBuilder().build())


def test_given_the_pinned_cdk_then_it_is_the_version_the_internals_belong_to():
    assert version("airbyte-cdk") == CDK_VERSION, (
        f"airbyte-cdk {version('airbyte-cdk')} is installed, source_bill/cdk_internals.py names the "
        f"internals of {CDK_VERSION}: check each one, then move CDK_VERSION and the pin together"
    )


def test_given_the_installed_cdk_then_every_internal_the_connector_uses_exists(built_source):
    assert missing_internals(_objects(built_source)) == []


def test_given_a_renamed_internal_when_checked_then_the_guard_names_it_and_the_cdk_version(
    built_source, monkeypatch
):
    monkeypatch.delattr(ConcurrentCursor, "_merge_partitions")

    problems = missing_internals(_objects(built_source))

    assert len(problems) == 1
    assert "ConcurrentCursor._merge_partitions" in problems[0]
    assert version("airbyte-cdk") in problems[0] and CDK_VERSION in problems[0]


def test_given_an_instance_attribute_gone_when_checked_then_the_guard_names_it(built_source):
    stream = next(
        s for s in built_source.streams(cdk_internals.source_config(built_source)) if s.name == "invoices"
    )
    generator = stream._stream_partition_generator
    del generator._partition_factory

    problems = missing_internals([generator])

    assert any("StreamSlicerPartitionGenerator._partition_factory" in p for p in problems)


def test_given_every_reach_then_it_is_listed_in_one_place():
    """Each private name the connector's hooks touch is in INTERNALS (the list the guard checks)."""
    import ast
    from pathlib import Path

    source = Path(cdk_internals.__file__).read_text()
    touched = {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
    }
    touched |= {
        node.args[1].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "setattr", "hasattr")
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
        and str(node.args[1].value).startswith("_")
    }
    touched -= {"_local", "_warned", "_get"}  # the module's own
    listed = {internal.name for internal in INTERNALS}
    assert touched <= listed, f"touched but not listed in INTERNALS: {sorted(touched - listed)}"


def test_given_a_missing_internal_when_tuning_then_one_warning_names_it_and_the_read_goes_on(
    caplog, monkeypatch
):
    source = SourceBill(config=ConfigBuilder().build())
    streams = source.streams(cdk_internals.source_config(source))
    for stream in streams:
        monkeypatch.delattr(stream, "_stream_partition_generator")
    monkeypatch.setattr(cdk_internals, "_warned", set())

    with caplog.at_level(logging.WARNING, logger="airbyte"):
        tune_streams(streams, cdk_internals.source_config(source))
        tune_streams(streams, cdk_internals.source_config(source))

    warnings = [
        r.getMessage()
        for r in caplog.records
        if "DefaultStream._stream_partition_generator" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert CDK_VERSION in warnings[0] and "goes on without it" in warnings[0]


def test_given_a_cursor_without_its_internals_when_saving_inside_windows_then_not_installed_with_a_warning(
    caplog, monkeypatch
):
    from source_bill.checkpoints import WindowCheckpoints
    from source_bill.windows import WindowOrder

    class BareCursor:
        pass

    monkeypatch.setattr(cdk_internals, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        installed = WindowCheckpoints.install(BareCursor(), 50, WindowOrder("invoices"))  # type: ignore[arg-type]

    assert installed is None
    assert "state inside updatedTime windows is not installed" in caplog.text


def test_given_the_read_order_the_walks_rely_on_then_the_filter_sees_a_page_before_its_next_token(
    built_source,
):
    """`windows.WindowWalks`: the CDK filters a whole page before it asks for the next page's token."""
    import inspect

    from airbyte_cdk.sources.declarative.retrievers.simple_retriever import SimpleRetriever

    body = inspect.getsource(SimpleRetriever._read_pages)
    assert body.index("records_generator_fn(response)") < body.index("self._next_page_token("), (
        f"airbyte-cdk {version('airbyte-cdk')}: SimpleRetriever._read_pages no longer reads a page's "
        "records before asking for the next page token (source_bill/windows.py relies on it)"
    )
