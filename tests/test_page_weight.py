"""What a first visit downloads: the list of 20 ideas is under 30 KB of HTML, and the page with
its stylesheet and script is under 60 KB compressed; static files are cached for a year under
content-hashed addresses."""

from __future__ import annotations

import re

from tests import factories as f

GZIP = {"Accept-Encoding": "gzip"}


def test_list_of_twenty_ideas_is_light_and_the_first_load_is_small(
    client, engine, patron, category
):
    # Realistic lengths: titles of ~60 characters and bodies of a few paragraphs.
    for n in range(25):
        f.idea(
            engine,
            patron,
            category,
            title=f"Longer opening hours during the exam weeks, number {n}",
            body="Many of us study late and the building closes too early. " * 12,
        )
    page = client.get("/ideas")
    assert page.text.count('class="card"') == 20
    assert len(page.content) < 30 * 1024, len(page.content)

    sent = client.get("/ideas", headers=GZIP)
    assert sent.headers["content-encoding"] == "gzip"
    total = sent.num_bytes_downloaded
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)\?v=[0-9a-f]+)"', page.text)
    assert any(".css" in a for a in assets) and any(".js" in a for a in assets)
    for asset in assets:
        r = client.get(asset, headers=GZIP)
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        total += r.num_bytes_downloaded
    assert total < 60 * 1024, total
