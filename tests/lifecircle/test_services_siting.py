"""Maximal covering through the service, on the tiny world whose optimum is known.

Demand (上城区 run, elderly day care within the 5-minute 300 m): C1 1000 already covered (270 m), C2 3000, C5 200,
C4 500 not covered. S1 (900, 20) and S4 (750, 0) each reach C2 and C5 (3200); S2 (600, 380) reaches C4 (500);
S3 (450, 0) reaches nobody. So k=1 gives 1000 → 4200 and k=2 gives 1000 → 4700 (everyone) with S2 and S1 or S4.
"""

from __future__ import annotations

import pytest

from gaizao.audit.models import AuditEvent
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.lifecircle.services import siting_propose, siting_save

pytestmark = pytest.mark.django_db


def test_k2_reaches_the_known_optimum(run, world):
    p = siting_propose(actor=world["accounts"]["shangcheng"], run=run, category="elderly_day_care", k=2)
    assert p.level == "5min"
    assert p.distance_m == 300
    assert p.residents_total == 4700
    assert p.covered_before == 1000
    assert p.covered_after == 4700
    codes = [c["code"] for c in p.chosen]
    assert codes[0] in {"S1", "S4"}
    assert codes[1] == "S2"
    assert [c["covered_new"] for c in p.chosen] == [3200, 500]
    assert p.gap == 0
    assert "HiGHS" in p.solver
    assert sorted(p.newly_covered) == sorted(world["communities"][c].pk for c in ("C2", "C4", "C5"))
    assert p.candidate_count == 4
    assert p.saved is False


def test_k1_takes_the_larger_group(run, world):
    p = siting_propose(actor=world["accounts"]["shangcheng"], run=run, category="elderly_day_care", k=1)
    assert p.covered_after == 4200
    assert p.chosen[0]["code"] in {"S1", "S4"}


def test_a_wider_level_changes_the_service_distance(run, world):
    p = siting_propose(
        actor=world["accounts"]["shangcheng"], run=run, category="elderly_day_care", k=1, level="10min"
    )
    assert p.distance_m == 500
    assert p.covered_before == 1000  # 650 m and 750 m are still beyond 500 m


def test_save_is_audited_and_only_once(run, world):
    officer = world["accounts"]["shangcheng"]
    p = siting_propose(actor=officer, run=run, category="elderly_day_care", k=2)
    saved = siting_save(actor=officer, proposal=p, note="方案一")
    assert saved.saved is True
    event = AuditEvent.objects.get(action="siting_save", object_id=str(p.pk))
    assert event.changes["covered_after"] == 4700
    assert event.reason == "方案一"
    assert event.division_path == run.division.path
    with pytest.raises(StateError):
        siting_save(actor=officer, proposal=p)


@pytest.mark.parametrize(
    ("category", "k", "field"),
    [
        ("elderly_day_care", 0, "k"),
        ("elderly_day_care", 21, "k"),
        ("no_such", 2, "category"),
        ("elderly_day_care", "x", "k"),
    ],
)
def test_bad_input_names_the_field(run, world, category, k, field):
    with pytest.raises(ApplicationError) as err:
        siting_propose(actor=world["accounts"]["shangcheng"], run=run, category=category, k=k)
    assert err.value.field == field
    assert "。/ " in err.value.message


def test_other_districts_and_readers_may_not_site(run, world):
    with pytest.raises(PermissionError_):
        siting_propose(actor=world["accounts"]["xihu"], run=run, category="elderly_day_care", k=2)
    with pytest.raises(PermissionError_):
        siting_propose(actor=world["accounts"]["ndrc"], run=run, category="elderly_day_care", k=2)
