"""Airbyte's standard connector tests (spec, check, discover, basic read with schema validation),
in process, for all three auth types, against the emulator.

The CDK parametrizes every standard test over every config in `acceptance-test-config.yml` and
skips the pairs whose section does not run that command. One class per command runs each test only
for the configs of its section, so nothing is skipped.
"""

from __future__ import annotations

from typing import ClassVar

from airbyte_cdk.test.standard_tests import ConnectorTestScenario, SourceTestSuiteBase

from source_bill.source import SourceBill

_SCENARIO_TESTS = (
    "test_check",
    "test_discover",
    "test_basic_read",
    "test_fail_read_with_bad_catalog",
    "test_config_matches_spec",
)


class _StandardTests(SourceTestSuiteBase):
    command: ClassVar[str]
    keep: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for name in (*_SCENARIO_TESTS, "test_spec"):
            if name not in cls.keep:
                setattr(cls, name, None)

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        return [scenario for scenario in super().get_scenarios() if scenario.runs(cls.command)]

    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourceBill:
        if scenario is None:
            return SourceBill()
        config = scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True)
        return SourceBill(config=config)


class TestSpec(_StandardTests):
    command = "spec"
    keep = ("test_spec", "test_config_matches_spec")


class TestCheck(_StandardTests):
    command = "check"
    keep = ("test_check",)


class TestDiscover(_StandardTests):
    command = "discover"
    keep = ("test_discover",)


class TestBasicRead(_StandardTests):
    command = "read"
    keep = ("test_basic_read", "test_fail_read_with_bad_catalog")
