"""Helpers for `scripts/bench.py`: the emulator with a request recorder, the connector as a
subprocess with its peak RSS, and a plain reader to compare the connector with."""
