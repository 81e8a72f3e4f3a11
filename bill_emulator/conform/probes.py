"""Every probe, in the order they run, and choosing them by name (`--probes`)."""

from __future__ import annotations

from collections.abc import Iterable

from bill_emulator.conform import probes_auth, probes_lists, probes_records
from bill_emulator.conform.probe import Probe
from bill_emulator.conform.target import ConfigError

#: Field probes come before the format probes, which read the same first pages (sent once).
PROBES: tuple[Probe, ...] = (
    *probes_auth.PROBES,
    *probes_lists.PROBES,
    *probes_records.field_probes(),
    *probes_records.PROBES_FORMATS,
)


def for_family(family: str) -> list[Probe]:
    return [probe for probe in PROBES if family in probe.families]


def select(names: Iterable[str] | None, family: str) -> list[Probe]:
    """The probes named (a group name such as `fields` takes all of its probes), in run order;
    all of the family's when `names` is None. `ConfigError` names what is unknown."""
    available = for_family(family)
    if names is None:
        return available
    wanted = {name.strip() for name in names if name.strip()}
    if not wanted:
        raise ConfigError("--probes needs at least one probe name.")
    known = {probe.name for probe in available} | {probe.group for probe in available if probe.group}
    unknown = sorted(wanted - known)
    if unknown:
        everything = {probe.name for probe in PROBES} | {probe.group for probe in PROBES if probe.group}
        elsewhere = [name for name in unknown if name in everything]
        if elsewhere:
            raise ConfigError(
                f"Probe(s) {', '.join(elsewhere)} do not apply to this config's auth type; "
                f"its probes: {', '.join(sorted(known))}."
            )
        raise ConfigError(f"Unknown probe(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
    return [probe for probe in available if probe.name in wanted or probe.group in wanted]
