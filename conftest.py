"""Root conftest: the CDK's standard-test hooks (scenarios come from acceptance-test-config.yml)."""

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]
