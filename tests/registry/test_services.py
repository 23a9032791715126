from __future__ import annotations

import datetime as dt

import pytest

from gaizao.audit.models import AuditEvent
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.registry.models import Community
from gaizao.registry.services import (
    communities_rescreen,
    community_create,
    community_screen,
    community_update,
)

pytestmark = pytest.mark.django_db


def _community(division, code="T1", **fields):
    return Community.objects.create(code=code, name=f"测试小区{code}", division=division, **fields)


def test_screen_priority_with_reasons_and_clause(qingbomen):
    c = _community(qingbomen, built_year=1995)
    community_screen(community=c, on=dt.date(2026, 6, 1))
    c.refresh_from_db()
    assert c.scope_status == "priority"
    codes = [r["code"] for r in c.scope_reasons]
    assert codes[0] == "scope.built_by_cutoff"
    assert codes[-1] == "scope.priority"
    assert all("杭政办函〔2022〕10号" in r["clause"] for r in c.scope_reasons)
    assert c.scope_ruleset == "hz-2022-10"
    assert c.scope_assessed_at is not None


def test_screen_recent_renovation_out_of_scope(qingbomen):
    c = _community(qingbomen, built_year=1990, last_comprehensive_renovation_year=2024)
    community_screen(community=c, on=dt.date(2026, 6, 1))
    assert c.scope_status == "out_of_scope"
    assert "scope.recent_renovation" in [r["code"] for r in c.scope_reasons]


def test_screen_may_include_post_2000_affordable(qingbomen):
    c = _community(
        qingbomen,
        built_year=2005,
        affordable_housing=True,
        infrastructure_deficient=True,
        management_deficient=True,
        residents_willing=True,
    )
    community_screen(community=c, on=dt.date(2026, 6, 1))
    assert c.scope_status == "may_include"
    assert "scope.paid_by_original_developer" in [r["code"] for r in c.scope_reasons]


def test_screen_without_built_year_stays_unscreened(qingbomen):
    c = _community(qingbomen)
    community_screen(community=c)
    c.refresh_from_db()
    assert c.scope_status == "unscreened"
    assert c.scope_reasons[0]["code"] == "scope.missing_built_year"
    assert "built_year" in c.scope_reasons[0]["message"]


def test_rescreen_counts(qingbomen):
    _community(qingbomen, "A", built_year=1990)
    _community(qingbomen, "B", built_year=1991)
    _community(qingbomen, "C", built_year=2010)
    _community(qingbomen, "D")
    counts = communities_rescreen(communities=Community.objects.all())
    assert counts == {"priority": 2, "may_include": 0, "out_of_scope": 1, "unscreened": 1}
    assert Community.objects.get(code="C").scope_status == "out_of_scope"


def test_update_audits_diff_and_rescreens(accounts, qingbomen):
    officer = accounts["shangcheng"]
    c = community_create(actor=officer, code="U1", name="改造测试", division=qingbomen, built_year=2010)
    assert c.scope_status == "out_of_scope"
    community_update(actor=officer, community=c, reason="档案核对", built_year=1998, households=120)
    c.refresh_from_db()
    assert c.scope_status == "priority"
    event = AuditEvent.objects.filter(action="update", object_id=str(c.pk)).get()
    assert event.changes["built_year"] == [2010, 1998]
    assert event.changes["households"] == [None, 120]
    assert event.changes["scope_status"] == ["out_of_scope", "priority"]
    assert event.reason == "档案核对"


def test_update_without_change_writes_nothing(accounts, qingbomen):
    officer = accounts["shangcheng"]
    c = community_create(actor=officer, code="U2", name="无变化", division=qingbomen, built_year=1990)
    community_update(actor=officer, community=c, built_year=1990)
    assert not AuditEvent.objects.filter(action="update").exists()


def test_update_rejects_invalid_value_naming_field(accounts, qingbomen):
    c = community_create(actor=accounts["shangcheng"], code="U3", name="无效", division=qingbomen)
    with pytest.raises(ApplicationError) as err:
        community_update(actor=accounts["shangcheng"], community=c, built_year=1800)
    assert err.value.field == "built_year"
    c.refresh_from_db()
    assert c.built_year is None


def test_update_outside_scope_refused(accounts, qingbomen):
    c = community_create(actor=accounts["shangcheng"], code="U4", name="越权", division=qingbomen)
    with pytest.raises(PermissionError_):
        community_update(actor=accounts["xihu"], community=c, built_year=1990)


def test_update_refuses_screening_output(accounts, qingbomen):
    c = community_create(actor=accounts["shangcheng"], code="U5", name="状态", division=qingbomen)
    with pytest.raises(ApplicationError) as err:
        community_update(actor=accounts["shangcheng"], community=c, scope_status="priority")
    assert err.value.field == "scope_status"


def test_id_number_digest_is_stable_salted_and_not_clear():
    from gaizao.registry.services import id_number_digest, id_number_last4

    number = "11010519491231002X"
    digest = id_number_digest(number)
    assert digest == id_number_digest(" 11010519491231002x ")
    assert number not in digest and len(digest) == 64
    assert id_number_last4(number) == "002X"
