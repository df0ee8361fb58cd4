"""The app starts and answers on its stable addresses."""

from tests.conftest import login_as


def test_healthz_answers_ok(client):
    assert client.get("/healthz").text == "ok"


def test_signed_in_patron_sees_their_name(client, patron, category):
    login_as(client, patron)
    assert "Pat Reader" in client.get("/").text
