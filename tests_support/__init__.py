"""Test-only helpers shared by every test suite (not shipped with the connector)."""
