"""responses.answers: the thin response that calls a model with the call's context, path values, body and
query, and replies with what the model returns."""

from __future__ import annotations

from typing import Any

from bill_emulator.handlers import Call
from bill_emulator.query import Page
from bill_emulator.responses.answers import answer, done, page_of
from bill_emulator.settings import EmulatorSettings

CTX: Any = object()


def _call(path: dict[str, str] | None = None, body: Any = None, query: dict[str, str] | None = None) -> Call:
    return Call(EmulatorSettings(), CTX, None, path or {}, query or {}, body, {})


def _recorder(result: Any = None) -> tuple[list[tuple[Any, ...]], Any]:
    seen: list[tuple[Any, ...]] = []

    def model(*arguments: Any) -> Any:
        seen.append(arguments)
        return result

    return seen, model


def test_given_path_body_and_query_when_answering_then_model_gets_them_in_order_and_reply_carries_result():
    seen, model = _recorder({"id": "x"})
    call = _call({"b": "2", "a": "1"}, body={"k": 1}, query={"q": "v"})
    reply = answer(model, "a", "b", body=True, query=True, status=201)(call)
    assert seen == [(CTX, "1", "2", {"k": 1}, {"q": "v"})]
    assert (reply.status, reply.payload, reply.raw) == (201, {"id": "x"}, None)


def test_given_no_body_or_query_asked_when_answering_then_model_gets_only_context_and_path():
    seen, model = _recorder([])
    reply = answer(model, "a")(_call({"a": "1"}, body={"ignored": True}, query={"ignored": "yes"}))
    assert seen == [(CTX, "1")]
    assert (reply.status, reply.payload) == (200, [])


def test_given_a_payload_when_done_then_each_reply_gets_its_own_copy_and_the_result_is_dropped():
    seen, model = _recorder({"dropped": True})
    handler = done(model, "a", query=True, status=204, payload={"status": "SUCCESS"})
    first = handler(_call({"a": "1"}, query={"q": "v"}))
    first.payload["status"] = "CHANGED"
    second = handler(_call({"a": "2"}))
    assert seen == [(CTX, "1", {"q": "v"}), (CTX, "2", {})]
    assert (second.status, second.payload) == (204, {"status": "SUCCESS"})


def test_given_no_payload_when_done_then_reply_has_none():
    _seen, model = _recorder()
    reply = done(model, body=True)(_call(body={}))
    assert (reply.status, reply.payload, reply.raw) == (200, None, None)


def test_given_a_page_when_page_of_then_reply_is_the_rendered_page_for_the_query():
    seen, model = _recorder(Page(['{"id":"a"}', '{"id":"b"}'], "next", None))
    reply = page_of(model, "parent")(_call({"parent": "p"}, body={"ignored": True}, query={"max": "2"}))
    assert seen == [(CTX, "p", {"max": "2"})]
    assert (reply.status, reply.payload) == (200, None)
    assert reply.raw == b'{"results":[{"id":"a"},{"id":"b"}],"nextPage":"next"}'
