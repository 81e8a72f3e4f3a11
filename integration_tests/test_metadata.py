"""metadata.yaml is valid against Airbyte's official schema and agrees with the package."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import tomllib
import yaml
from airbyte_connector_models.metadata.v0.connector_metadata_definition_v0 import (
    ConnectorMetadataDefinitionV0,
)

from source_bill.client.urls import ENVIRONMENT_ROOTS, ENVIRONMENT_TOKEN_URLS

ROOT = Path(__file__).resolve().parents[1]
DEFINITION_ID = "1cb5afad-19c0-46b3-9612-9814bdeb4917"  # fixed forever: Airbyte keys connections on it


def _metadata() -> dict:
    return yaml.safe_load((ROOT / "metadata.yaml").read_text())


def test_given_metadata_yaml_when_validated_against_airbyte_schema_then_valid():
    model = ConnectorMetadataDefinitionV0.model_validate(_metadata())
    data = model.data
    assert data.connector_type.value == "source" and data.connector_subtype.value == "api"
    assert data.support_level is not None and data.release_stage is not None
    assert data.suggested_streams is not None and data.connector_test_suites_options


def test_given_metadata_when_compared_with_package_then_image_tag_is_the_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert str(_metadata()["data"]["dockerImageTag"]) == version


def test_given_metadata_then_definition_id_is_the_fixed_uuid():
    data = _metadata()["data"]
    assert str(uuid.UUID(data["definitionId"])) == DEFINITION_ID


def test_given_metadata_then_allowed_hosts_are_bills_gateways_and_oauth_token_hosts():
    urls = (*ENVIRONMENT_ROOTS.values(), *ENVIRONMENT_TOKEN_URLS.values())
    assert set(_metadata()["data"]["allowedHosts"]["hosts"]) == {urlsplit(url).hostname for url in urls}


def test_given_metadata_then_base_image_is_pinned_by_digest():
    image = _metadata()["data"]["connectorBuildOptions"]["baseImage"]
    assert image.startswith("docker.io/airbyte/python-connector-base:") and "@sha256:" in image
    assert len(image.split("@sha256:")[1]) == 64


def test_given_metadata_then_icon_and_docs_page_exist():
    data = _metadata()["data"]
    assert (ROOT / data["icon"]).read_text().lstrip().startswith("<svg")
    assert (ROOT / "docs" / "integrations" / "sources" / "bill.md").is_file()
