"""Airbyte source connector for BILL."""

import sys

# jsonschema checks the "iri" formats with rfc3987_syntax when that package is installed (Jupyter
# brings it, the connector image does not); building its grammar on import was most of the
# connector's start-up (3 to 12 s of CPU). No schema of the CDK or of this connector uses those
# formats, so it is kept out unless jsonschema was imported first.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

from .source import SourceBill

__all__ = ["SourceBill"]
