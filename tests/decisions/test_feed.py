"""The Atom feed of decisions: a valid Atom document, one entry per decision, user text
escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from tests.decisions import publish

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://testserver"


def feed(client) -> ET.Element:
    response = client.get("/feeds/decisions.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def updated(element: ET.Element) -> datetime:
    value = element.findtext(f"{ATOM}updated")
    assert value, "no <updated>"
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    return parsed


def test_feed_without_decisions_is_a_valid_empty_feed(client):
    root = feed(client)
    assert root.findtext(f"{ATOM}id") == f"{BASE}/you-said-we-did"
    assert "You said, we did" in root.findtext(f"{ATOM}title")
    updated(root)
    assert root.findall(f"{ATOM}entry") == []


def test_feed_has_its_id_title_updated_and_self_link(client, engine, staff):
    publish(engine, staff, (), title="Evening hours")
    root = feed(client)
    assert root.findtext(f"{ATOM}id") == f"{BASE}/you-said-we-did"
    assert root.findtext(f"{ATOM}title") == "Library co-design portal: You said, we did"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == f"{BASE}/feeds/decisions.atom"
    assert links["alternate"] == f"{BASE}/you-said-we-did"
    [entry] = root.findall(f"{ATOM}entry")
    assert updated(root) == updated(entry)


def test_feed_has_one_entry_per_decision_with_id_title_updated_and_link(client, engine, staff):
    decisions = [
        publish(engine, staff, (), "adopted", title="Evening hours"),
        publish(engine, staff, (), "declined", title="A second café"),
        publish(engine, staff, (), "piloting", title="Quiet carriages"),
    ]
    entries = feed(client).findall(f"{ATOM}entry")
    assert len(entries) == 3
    by_id = {e.findtext(f"{ATOM}id"): e for e in entries}
    assert set(by_id) == {f"{BASE}/you-said-we-did/{d.id}" for d in decisions}
    for d in decisions:
        entry = by_id[f"{BASE}/you-said-we-did/{d.id}"]
        assert entry.findtext(f"{ATOM}title") == d.title
        assert entry.find(f"{ATOM}link").get("href") == f"{BASE}/you-said-we-did/{d.id}"
        assert abs((updated(entry) - d.published_at).total_seconds()) < 1
        assert entry.find(f"{ATOM}category").get("term") == d.outcome


def test_feed_escapes_user_text(client, engine, staff):
    publish(
        engine,
        staff,
        (),
        title="<script>alert('t')</script> hours",
        you_said="<script>alert('s')</script>",
        we_did="We did <b>this</b> & that",
    )
    response = client.get("/feeds/decisions.atom")
    assert "<script" not in response.text
    root = ET.fromstring(response.content)
    assert not [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "script"]
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "<script>alert('t')</script> hours"
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    # The HTML inside is itself sanitized: the script is text, never a tag.
    assert "<script" not in content.text
    assert "&lt;script&gt;alert('s')" in content.text.replace("&#x27;", "'")
    assert "<strong>We did:</strong>" in content.text
