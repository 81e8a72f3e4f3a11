"""Root conftest: the CDK's standard-test hooks (scenarios come from acceptance-test-config.yml) and
the secrets scan (no secret value in any test's output; `tests_support/secrets_scan.py`)."""

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks", "tests_support.secrets_scan"]
