"""Addresses come from the routes' names (portal.web.urls)."""

from __future__ import annotations

import pytest
from starlette.routing import NoMatchFound

from portal.web import urls


def test_path_for_builds_a_named_address(client):
    assert urls.path_for("ideas:detail", id=12) == "/ideas/12"


def test_path_for_adds_the_query_and_the_fragment(client):
    path = urls.path_for(
        "ideas:detail", id=3, query={"comments": 2, "sort": None}, fragment="comments"
    )
    assert path == "/ideas/3?comments=2#comments"


def test_path_for_refuses_an_unknown_name(client):
    with pytest.raises(NoMatchFound):
        urls.path_for("ideas:nowhere")


def test_templates_offer_url(client):
    from portal.web.templating import env

    assert env.from_string('{{ url("ideas:detail", id=5) }}').render() == "/ideas/5"
