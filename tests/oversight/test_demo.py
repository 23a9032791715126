"""The demo loader: 2027 targets for every district, last year's published and this year's draft assessment,
idempotently."""

from __future__ import annotations

from gaizao.oversight import demo
from gaizao.oversight.models import Assessment, DistrictTarget


def test_demo_sets_2027_targets_and_computes_the_assessment(world, accounts):
    lines: list[str] = []
    counts = demo.load_demo(lines.append)
    assert counts["districts"] == 2
    assert DistrictTarget.objects.filter(year=2027).count() == 2
    assessment = Assessment.objects.get(year=world["year"])
    assert assessment.scores.count() == 2 and assessment.state == "draft"
    # last year, when the delivery demo's first project was handed over, is assessed and published
    last = Assessment.objects.get(year=world["year"] - 1)
    assert last.scores.count() == 2 and last.state == "published"
    assert DistrictTarget.objects.filter(year=world["year"] - 1).count() == 2
    assert "2027" in lines[0]
    assert demo.load_demo(lambda line: None) == counts
    assert Assessment.objects.count() == 2


def test_demo_skips_without_accounts(db):
    lines: list[str] = []
    assert demo.load_demo(lines.append) == {}
    assert "skipped" in lines[0]
