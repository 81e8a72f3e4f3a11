"""A session's proxy and CA settings, remembered per host (source_bill/environment_settings.py)."""

from __future__ import annotations


def test_remembered_environment_settings_are_the_sessions_own(monkeypatch):
    import requests

    from source_bill.environment_settings import remember_environment

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "skip.example")
    session, reference = requests.Session(), requests.Session()
    remember_environment(session)
    remember_environment(session)  # idempotent

    for url in ("https://gateway.example/connect/v3/invoices?max=100", "https://skip.example/v3/x"):
        for _ in range(2):  # asked, then remembered
            assert session.merge_environment_settings(url, {}, None, None, None) == (
                reference.merge_environment_settings(url, {}, None, None, None)
            )
    own = {"https": "http://other.example:8080"}
    assert session.merge_environment_settings("https://gateway.example/", dict(own), None, None, None) == (
        reference.merge_environment_settings("https://gateway.example/", dict(own), None, None, None)
    )
