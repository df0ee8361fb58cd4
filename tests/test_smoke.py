"""The app starts and answers on its stable addresses."""

from tests.conftest import login_as


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_signed_in_patron_sees_their_name(client, patron, category):
    login_as(client, patron)
    assert "Pat Reader" in client.get("/").text
