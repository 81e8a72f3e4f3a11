"""One emulator for the integration and acceptance tests, with its configs written to disk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bill_emulator import EmulatorServer, EmulatorSettings, running_emulator
from integration_tests.emulator_configs import write_configs


@pytest.fixture(scope="session", autouse=True)
def bill_emulator() -> Iterator[EmulatorServer]:
    with running_emulator(EmulatorSettings(scale="small", seed=7)) as server:
        write_configs(server)
        yield server
