"""POST /api/chat refuses a message that is empty, over 2,000 characters, or not text (422), and
answers only a logged-in caller."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem


@pytest.mark.parametrize("message", ["", "   ", "\n\t "])
def test_an_empty_message_is_422(api, message):
    assert_problem(api.post("/api/chat", json={"message": message}), 422, "message")


def test_a_message_over_2000_characters_is_422(api):
    assert_problem(api.post("/api/chat", json={"message": "a" * 2001}), 422, "message")


def test_a_message_of_exactly_2000_characters_is_answered(api):
    response = api.post("/api/chat", json={"message": "how much did I spend " + "x" * 1979})
    assert response.status == 200, response


@pytest.mark.parametrize("message", [12, 12.5, None, True, ["hi"], {"text": "hi"}])
def test_a_message_that_is_not_text_is_422(api, message):
    assert_problem(api.post("/api/chat", json={"message": message}), 422, "message")


def test_a_missing_message_or_an_unknown_field_is_422(api):
    assert_problem(api.post("/api/chat", json={}), 422, "message")
    assert_problem(api.post("/api/chat", json={"message": "hi", "user_id": 1}), 422, "user_id")


def test_a_message_with_control_characters_is_422(api):
    assert_problem(api.post("/api/chat", json={"message": "hi\x00there"}), 422, "message")


def test_a_body_that_is_not_json_is_400(api):
    assert_problem(api.post("/api/chat", data="message=hi", headers={"content-type": "text/plain"}), 400)


def test_without_a_token_it_is_401(anon):
    assert_problem(anon.post("/api/chat", json={"message": "what is my balance"}), 401)


def test_any_text_gets_a_200_with_an_intent(api):
    for message in ["?", "🙂", "'; DROP TABLE users; --", "spent", "1234", "how much " * 200]:
        response = api.post("/api/chat", json={"message": message})
        assert response.status == 200, (message, response)
        assert response.json()["intent"] in {"unknown", "help", "clarify", "spending"}
