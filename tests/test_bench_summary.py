"""The closing "goal vs measured" table of ``python -m bench``: verdicts, lower bounds, the JSON written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bench.summary import Headline, import_headlines, pages_headlines, read_json, table, write_json


@pytest.mark.parametrize(
    ("measured", "op", "goal", "lower_bound", "verdict"),
    [
        (0.6, "≥", 0.5, False, "met"),
        (0.4, "≥", 0.5, False, "NOT MET"),
        (299.0, "<", 300.0, False, "met"),
        (300.0, "<", 300.0, False, "NOT MET"),
        (0.3, "≤", 0.3, False, "met"),
        # a lower bound decides a "≥" goal only when the bound already reaches it
        (120.0, "≥", 100.0, True, "met"),
        (80.0, "≥", 100.0, True, "undecided"),
        (None, "≥", 100.0, False, "not measured"),
        (5.0, "≥", None, False, "(no goal)"),
    ],
)
def test_verdict(
    measured: float | None, op: str, goal: float | None, lower_bound: bool, verdict: str
) -> None:
    h = Headline("s", "figure", measured, "×", goal, op, lower_bound=lower_bound)
    assert h.verdict == verdict
    assert h.met is {"met": True, "NOT MET": False}.get(verdict)


def test_table_and_json(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GAIZAO_BENCH_OUT", str(tmp_path))
    headlines = [
        Headline("access", "gaizao vs pandana, CPU, 311k nodes", 125.4, "×", 100.0, "≥", lower_bound=True),
        Headline("ballots", "API / bare insert, gunicorn", 0.42, "", 0.5, "≥"),
    ]
    text = table(headlines)
    assert "> 125×" in text and "≥ 100×" in text
    assert "met" in text.splitlines()[2] and "NOT MET" in text.splitlines()[3]
    path = write_json(headlines, {"access": 1.0}, datetime(2026, 11, 29, 20, 0, tzinfo=UTC))
    assert path.name == "summary-2026-11-29-200000.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [h["verdict"] for h in document["headlines"]] == ["met", "NOT MET"]
    assert document["headlines"][0]["lower_bound"] is True
    assert document["sections_seconds"] == {"access": 1.0}
    assert read_json(path) == headlines


def test_pages_headlines_take_the_worst_city_page_and_the_whole_store_time() -> None:
    results = {
        "communities": 5000,
        "pages": {
            "registry list": {"city": {"p95": 120.0}, "shangcheng": {"p95": 30.0}},
            "map page": {"city": {"p95": 340.0}, "shangcheng": {"p95": 50.0}},
        },
        "rescreen": {"communities": 5000, "per_s": 4400.0},
        "lifecircle": {
            "communities": 5000,
            "total_s": 13.0,
            "store_s": 1.5,
            "timings": {"distances_s": 6.0, "gaps_s": 4.0, "store_s": 1.5},
        },
    }
    worst, rescreen, lifecircle = pages_headlines(results, 300.0)
    assert (worst.measured, worst.verdict) == (340.0, "NOT MET")
    assert "map page" in worst.note
    assert rescreen.measured == pytest.approx(50.0) and rescreen.verdict == "met"
    # store = everything but compute (13 - 10 s), not only the result rows' 1.5 s
    assert lifecircle.measured == pytest.approx(0.3) and lifecircle.verdict == "met"


def test_import_headlines_label_the_extrapolation() -> None:
    results = {
        ("gaizao", 10_000): {"seconds": 2.0, "cpu_seconds": 1.5, "maxrss_mb": 200.0},
        ("gaizao", 100_000): {
            "seconds": 15.0,
            "cpu_seconds": 12.0,
            "maxrss_mb": 300.0,
            "child_maxrss_mb": 450.0,
        },
        ("die", 10_000): {"seconds": 30.0, "cpu_seconds": 27.0, "maxrss_mb": 250.0},
    }
    seconds, memory, ratio, extrapolated = import_headlines(results, 10_000, 100_000)
    assert seconds.measured == 15.0 and seconds.verdict == "met", "issue 19: under 20 s at 100,000 rows"
    assert memory.measured == 450.0 and memory.verdict == "NOT MET", "issue 19: peak under 300 MB"
    small_run = import_headlines(results, 10_000, 10_000)
    assert small_run[0].goal is None, "the goals are set for 100,000 rows only"
    assert ratio.measured == pytest.approx(18.0) and ratio.verdict == "met"
    assert extrapolated.measured == pytest.approx(20.0) and "EXTRAPOLATED" in extrapolated.note
