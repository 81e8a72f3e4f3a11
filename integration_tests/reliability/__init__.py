"""Helpers of the reliability suite (integration_tests/test_reliability_*.py, docs/reliability.md).

* `harness`: the emulator's ground truth, in-process syncs, the resume loop, scaled time.
* `processes`: `source-bill` as a subprocess, killed at chosen points and resumed.
* `servers`: tiny local HTTP servers that are not BILL.
"""
