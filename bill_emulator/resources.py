"""The generic resource model: what the emulator needs to know about each kind of BILL object.

A backend module declares a `Resource` per object kind (its id prefix, which fields BILL lets you
filter and sort on, its page-size cap, and a builder that turns a partial object into a complete
one). The generic list/get/create/update/archive handlers work from that declaration alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bill_emulator.backends.context import Context

EQ = frozenset({"eq"})
EQ_NE = frozenset({"eq", "ne"})
EQ_NE_IN = frozenset({"eq", "ne", "in"})
EQ_IN = frozenset({"eq", "in"})
SETS = frozenset({"eq", "ne", "in", "nin"})
RANGE = frozenset({"gt", "gte", "lt", "lte"})
RANGE_EQ = RANGE | EQ_NE
NAME = frozenset({"eq", "sw"})


@dataclass(frozen=True)
class Field:
    """A filterable field: its value type and the operators BILL accepts on it."""

    type: str  # string | timestamp | date | bool | number
    ops: frozenset[str]
    path: str | None = None  # JSON path inside the object when it differs from the name


def base_filters(**extra: Field) -> dict[str, Field]:
    """The fields every AP/AR list filters on: id, archived, createdTime, updatedTime."""
    fields = {
        "id": Field("string", EQ_NE_IN),
        "archived": Field("bool", EQ_NE),
        "createdTime": Field("timestamp", RANGE),
        "updatedTime": Field("timestamp", RANGE),
    }
    fields.update(extra)
    return fields


Builder = Callable[["Context", dict[str, Any]], dict[str, Any]]


@dataclass
class Resource:
    """One kind of BILL object served by the generic handlers."""

    kind: str  # storage kind, e.g. "customers"
    label: str  # how errors name it, e.g. "Customer"
    prefix: str  # id prefix, e.g. "0cu"
    build: Builder  # partial object -> complete object (ids and times already set)
    filters: dict[str, Field] = field(default_factory=base_filters)
    sorts: frozenset[str] = frozenset({"createdTime", "updatedTime"})
    max_page: int = 100
    default_page: int = 20
    single_sort: bool = False  # Spend & Expense lists sort on one field only
    archive_flag: str = "archived"  # Spend & Expense objects say "retired"
    parent_field: str | None = None  # e.g. "customerId" for customer bank accounts
    # Called on create/update with the request body; returns the fields to store (write shape
    # converted to read shape) or raises BillApiError. Defaults to taking the body as is.
    validate: Callable[[Context, dict[str, Any], dict[str, Any] | None], dict[str, Any]] | None = None
    # Recomputes derived fields after any write (totals, statuses).
    derive: Callable[[Context, dict[str, Any]], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, Resource] = {}


def register(resource: Resource) -> Resource:
    if resource.kind in REGISTRY:
        raise ValueError(f"resource {resource.kind} registered twice")
    REGISTRY[resource.kind] = resource
    return resource


def resource(kind: str) -> Resource:
    return REGISTRY[kind]
