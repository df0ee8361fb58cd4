"""`portal seed-demo`: the living demo is built through the services, and its counters and
references agree with its rows."""

from __future__ import annotations

from portal.domains import check
from portal.tools.demo import seed_demo
from tests.factories import counter_mismatches


def test_demo_data_agrees_with_itself(engine):
    assert seed_demo(engine, password="demo password 123") == "demo password 123"
    assert [str(finding) for finding in check(engine).findings] == []
    assert counter_mismatches(engine) == []
    assert seed_demo(engine, only_if_empty=True) is None  # a second run adds nothing
