"""accounts.auth.require: the one way a route lets in only those a permission allows."""

from __future__ import annotations

import pytest

from tests.conftest import login_as


def _page(client, path="/staff"):
    return client.get(path, follow_redirects=False)


def test_require_sends_a_visitor_to_sign_in(client):
    page = _page(client)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=/staff")


@pytest.mark.parametrize("path", ["/staff", "/staff/teams", "/staff/surveys", "/staff/stories"])
def test_require_refuses_someone_the_permission_does_not_allow(client, patron, path):
    login_as(client, patron)
    assert _page(client, path).status_code == 403


def test_require_lets_in_someone_the_permission_allows(client, staff):
    login_as(client, staff)
    assert _page(client).status_code == 200
