"""Match request paths to endpoints: `{name}` segments capture, everything else is literal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bill_emulator.handlers import Endpoint


@dataclass
class _Template:
    parts: tuple[str, ...]
    methods: dict[str, Endpoint]


class Router:
    def __init__(self, endpoints: list[Endpoint]) -> None:
        by_path: dict[str, dict[str, Endpoint]] = defaultdict(dict)
        for endpoint in endpoints:
            if endpoint.method in by_path[endpoint.path]:
                raise ValueError(f"two endpoints for {endpoint.method} {endpoint.path}")
            by_path[endpoint.path][endpoint.method] = endpoint
        # Bucket templates by segment count; literal templates are tried before ones with captures.
        self._buckets: dict[int, list[_Template]] = defaultdict(list)
        for path, methods in by_path.items():
            parts = tuple(path.strip("/").split("/"))
            self._buckets[len(parts)].append(_Template(parts, methods))
        for templates in self._buckets.values():
            templates.sort(key=lambda t: [part.startswith("{") for part in t.parts])

    def match(self, path: str) -> tuple[dict[str, Endpoint], dict[str, str]] | None:
        parts = path.strip("/").split("/")
        for template in self._buckets.get(len(parts), ()):
            captured: dict[str, str] = {}
            for want, got in zip(template.parts, parts, strict=False):
                if want.startswith("{"):
                    if not got:
                        break
                    captured[want[1:-1]] = got
                elif want != got:
                    break
            else:
                return template.methods, captured
        return None
