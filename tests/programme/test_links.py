"""The link registry (gaizao.ui.links): a higher app's page linked from a lower app's page without an import."""

from __future__ import annotations

import pytest

from gaizao.ui import links
from gaizao.ui.links import Link, links_for, register_link


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(links, "_PROVIDERS", {})


def test_providers_answer_in_order_and_none_is_left_out(registry):
    register_link("programme.project", "b.second", lambda user, obj: Link("乙", "B", f"/b/{obj}/"), order=20)
    register_link("programme.project", "a.first", lambda user, obj: Link("甲", "A", f"/a/{obj}/"), order=10)
    register_link("programme.project", "c.none", lambda user, obj: None, order=5)
    got = links_for("programme.project", None, 7)
    assert [(link.key, link.url) for link in got] == [("a.first", "/a/7/"), ("b.second", "/b/7/")]
    assert links_for("delivery.delivery", None, 7) == []


def test_a_key_claimed_twice_is_an_error(registry):
    def one(user, obj):
        return None

    register_link("programme.project", "delivery.works", one)
    register_link("programme.project", "delivery.works", one)  # the same provider again (ready() run twice)
    with pytest.raises(ValueError, match="already registered"):
        register_link("programme.project", "delivery.works", lambda user, obj: None)


def test_delivery_registers_the_works_link():
    from gaizao.delivery.links import works_of_project

    assert links._PROVIDERS["programme.project"]["delivery.works"].provider is works_of_project
