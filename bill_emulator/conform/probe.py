"""What a probe is: one read-only function run on both sides, and how two observations compare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bill_emulator.conform.side import Side

AGREE, DIFFER, SKIPPED = "agree", "differ", "skipped"


@dataclass
class Observation:
    """What one side answered. `facts` are compared; `notes` are shown only; `unknown` names facts
    this side could not observe (and why), which are then not compared."""

    facts: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    skipped: str | None = None  # the whole probe could not run on this side: why
    context: dict[str, Any] = field(default_factory=dict)  # for `compare` only, not reported

    def as_dict(self) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        shown: dict[str, Any] = dict(self.facts)
        if self.unknown:
            shown["not observed"] = dict(self.unknown)
        if self.notes:
            shown["notes"] = dict(self.notes)
        return shown


#: The differences between two observations; None when nothing could be compared.
Compare = Callable[[Observation, Observation], "list[str] | None"]


def show(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def compare_facts(bill: Observation, emulator: Observation) -> list[str] | None:
    """Fact by fact: a fact both sides observed and that differs, or one only one side has."""
    if not compared_keys(bill, emulator):
        return None
    differences = []
    for key in list(dict.fromkeys([*bill.facts, *emulator.facts])):
        if key in bill.unknown or key in emulator.unknown:
            continue
        if key not in bill.facts:
            differences.append(f"{key}: BILL has nothing, the emulator {show(emulator.facts[key])}")
        elif key not in emulator.facts:
            differences.append(f"{key}: BILL {show(bill.facts[key])}, the emulator nothing")
        elif bill.facts[key] != emulator.facts[key]:
            differences.append(
                f"{key}: BILL {show(bill.facts[key])}, the emulator {show(emulator.facts[key])}"
            )
    return differences


def compare_common(bill: Observation, emulator: Observation) -> list[str] | None:
    """Fact by fact, only the facts both sides have (per-stream facts of lists one side has no data in
    are not compared)."""
    common = [key for key in bill.facts if key in emulator.facts]
    if not common:
        return None
    return compare_facts(
        Observation({k: bill.facts[k] for k in common}, unknown=bill.unknown),
        Observation({k: emulator.facts[k] for k in common}, unknown=emulator.unknown),
    )


def compared_keys(bill: Observation, emulator: Observation) -> list[str]:
    return [
        key
        for key in dict.fromkeys([*bill.facts, *emulator.facts])
        if key not in bill.unknown and key not in emulator.unknown
    ]


@dataclass(frozen=True)
class Probe:
    """One assumption of the emulator, checked by `run` on each side and judged by `compare`."""

    name: str
    assumption: str
    docs: str  # where docs/emulator.md states it
    families: frozenset[str]
    run: Callable[[Side], Observation]
    compare: Compare = compare_facts
    group: str | None = None  # `fields` for the per-stream field probes


@dataclass
class Verdict:
    """A probe's outcome: status, a one-paragraph detail and both observations."""

    probe: Probe
    status: str
    detail: str
    bill: Observation
    emulator: Observation

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.probe.name,
            "status": self.status,
            "detail": self.detail,
            "assumption": self.probe.assumption,
            "docs": self.probe.docs,
            "bill": self.bill.as_dict(),
            "emulator": self.emulator.as_dict(),
        }


def judge(probe: Probe, bill: Observation, emulator: Observation) -> Verdict:
    if bill.skipped or emulator.skipped:
        why = (
            f"BILL: {bill.skipped}"
            if bill.skipped
            else f"the emulator: {emulator.skipped}"  # should not happen with default data
        )
        return Verdict(probe, SKIPPED, why, bill, emulator)
    differences = probe.compare(bill, emulator)
    unobserved = {
        **{k: f"BILL: {v}" for k, v in bill.unknown.items()},
        **{k: f"the emulator: {v}" for k, v in emulator.unknown.items() if k not in bill.unknown},
    }
    tail = "; not compared: " + "; ".join(f"{k} ({v})" for k, v in unobserved.items()) if unobserved else ""
    if differences is None:
        return Verdict(probe, SKIPPED, "nothing could be compared" + tail, bill, emulator)
    if differences:
        return Verdict(probe, DIFFER, "; ".join(differences) + tail, bill, emulator)
    agreed = bill.notes.get("summary") or "; ".join(f"{k}: {show(v)}" for k, v in bill.facts.items())
    return Verdict(probe, AGREE, str(agreed) + tail, bill, emulator)
