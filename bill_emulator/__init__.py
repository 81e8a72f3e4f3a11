"""Offline BILL v3 API emulator: a faithful BILL API on loopback, backed by SQLite."""

from bill_emulator.emulator import Emulator
from bill_emulator.server import EmulatorServer, running_emulator
from bill_emulator.settings import Deviations, EmulatorSettings, Faults, Limits

__all__ = [
    "Deviations",
    "Emulator",
    "EmulatorServer",
    "EmulatorSettings",
    "Faults",
    "Limits",
    "running_emulator",
]
