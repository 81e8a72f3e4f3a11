"""Airbyte's standard connector tests (spec, check, discover, basic read with schema validation),
in process, for all three auth types, against the emulator."""

from __future__ import annotations

from airbyte_cdk.test.standard_tests import ConnectorTestScenario, SourceTestSuiteBase

from source_bill.source import SourceBill


class TestSourceBillStandard(SourceTestSuiteBase):
    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourceBill:
        if scenario is None:
            return SourceBill()
        config = scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True)
        return SourceBill(config=config)
