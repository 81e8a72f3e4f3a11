"""No secret value in anything another test of the session printed, logged or got from the connector.

The collecting is done by the `tests_support.secrets_scan` plugin (registered in the root
conftest); this test is ordered last, also when `-m` would deselect it, and skips only when it
runs alone.
"""

from __future__ import annotations

import pytest

from tests_support.secrets_scan import MARKER, SecretsScan


@pytest.mark.secrets_scan
def test_given_every_other_test_ran_then_no_secret_value_in_anything_they_printed_or_logged(
    secrets_scan: SecretsScan,
) -> None:
    assert MARKER == "secrets_scan"
    secrets_scan.check()
