from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from gaizao.audit.models import AuditEvent
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.programme import services
from gaizao.programme.models import PlanState, ProjectState
from tests.stewardship.helpers import agree_management_plan

from .conftest import ready_project, stairwells_of

pytestmark = pytest.mark.django_db


def test_project_created_from_screened_community_in_reserve(accounts, communities):
    project = services.project_create(actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk])
    assert project.state == ProjectState.RESERVE
    assert project.district.code == "330102"
    assert project.division.code == "330102001051"
    assert project.plan.state == PlanState.DRAFT
    assert AuditEvent.objects.filter(action="project.create", object_id=str(project.pk)).exists()


def test_project_created_at_a_given_time_carries_its_year(accounts, communities):
    from django.utils import timezone

    then = timezone.now() - dt.timedelta(days=400)
    project = services.project_create(
        actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk], now=then
    )
    assert project.code.startswith(f"GZ-330102-{timezone.localtime(then).year}-")
    assert project.state_changed_at == then


def test_renovation_unit_of_several_communities_sits_on_their_common_division(accounts, communities):
    project = services.project_create(
        actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk, communities["qingbo2"].pk]
    )
    assert project.division.code == "330102001"
    assert project.communities.count() == 2
    assert "等2个小区" in project.name


def test_out_of_scope_community_refused_with_reason(accounts, communities):
    with pytest.raises(ApplicationError) as exc:
        services.project_create(actor=accounts["shangcheng"], community_ids=[communities["modern"].pk])
    assert exc.value.code == "out_of_scope"
    assert "不纳入" in exc.value.message
    assert "晚于 2000-12-31" in exc.value.message
    assert f"按 {dt.date.today().year + 1} 计划年度筛查" in exc.value.message
    assert "二(一)" in exc.value.message


def test_community_out_of_the_officers_district_is_not_found(accounts, communities):
    with pytest.raises(Http404):
        services.project_create(actor=accounts["shangcheng"], community_ids=[communities["xihu"].pk])


def test_community_cannot_be_in_two_live_projects(accounts, communities):
    services.project_create(actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk])
    with pytest.raises(ApplicationError, match="已在项目"):
        services.project_create(actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk])


def test_reviewer_cannot_create(accounts, communities):
    with pytest.raises(PermissionError_):
        services.project_create(actor=accounts["ndrc"], community_ids=[communities["qingbo"].pk])


def test_legal_pool_moves_are_audited(accounts, communities):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.project_move(actor=officer, project=project, to="planning")
    services.project_move(actor=officer, project=project, to="reserve")
    services.project_move(actor=officer, project=project, to="withdrawn", reason="居民意愿不足")
    services.project_move(actor=officer, project=project, to="reserve")
    actions = list(
        AuditEvent.objects.filter(object_id=str(project.pk), action__startswith="project.")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "project.create",
        "project.planning",
        "project.reserve",
        "project.withdrawn",
        "project.reserve",
    ]


def test_reserve_straight_to_implementing_is_illegal(accounts, communities):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    with pytest.raises(StateError) as exc:
        services.project_move(actor=officer, project=project, to="implementing")
    assert exc.value.code == "illegal_transition"


def test_street_cannot_move_pools(accounts, communities):
    project = services.project_create(actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk])
    with pytest.raises(PermissionError_):
        services.project_move(actor=accounts["qingbo"], project=project, to="planning")


def test_refused_move_to_implementing_names_each_missing_condition(accounts, communities, votes, now, rates):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.project_move(actor=officer, project=project, to="planning")
    with pytest.raises(StateError) as exc:
        services.project_move(actor=officer, project=project, to="implementing", now=now)
    missing = {m["code"] for m in exc.value.missing}
    assert missing == {
        "vote.renovation_consent",
        "vote.plan_approval",
        "plan.finalised",
        "consultation.completed",
        "publication.finished",
        "stewardship.plan",
    }
    message = exc.value.message
    assert "改造意愿表决" in message and "不能认可" in message and "民法典 第278条" in message
    assert "联合会商尚未完成" in message and "三(二)" in message
    assert "公示" in message and "四(三)" in message
    assert exc.value.code == "conditions_missing"
    project.refresh_from_db()
    assert project.state == ProjectState.PLANNING


def test_move_to_implementing_once_every_condition_is_met(accounts, communities, votes, now, rates):
    officer = accounts["shangcheng"]
    project = ready_project(actor=officer, community=communities["qingbo"], votes=votes, now=now)
    # publication still running
    with pytest.raises(StateError) as exc:
        services.project_move(
            actor=officer, project=project, to="implementing", now=now + dt.timedelta(days=6)
        )
    assert [m["code"] for m in exc.value.missing] == ["publication.finished"]
    # a failed plan-approval vote is named
    votes.fail(communities["qingbo"], "plan_approval")
    with pytest.raises(StateError) as exc:
        services.project_move(
            actor=officer, project=project, to="implementing", now=now + dt.timedelta(days=8)
        )
    assert [m["code"] for m in exc.value.missing] == ["vote.plan_approval"]
    assert "未通过" in exc.value.message
    votes.pass_(communities["qingbo"], "plan_approval")
    services.project_move(actor=officer, project=project, to="implementing", now=now + dt.timedelta(days=7))
    project.refresh_from_db()
    assert project.state == ProjectState.IMPLEMENTING
    assert project.plan.state == PlanState.FROZEN
    with pytest.raises(StateError):
        services.project_move(actor=officer, project=project, to="planning")


def test_disagreeing_department_blocks_implementation(accounts, communities, votes, now, rates):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.project_move(actor=officer, project=project, to="planning")
    from .conftest import ITEMS, balanced_funding

    services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        items=ITEMS,
        funding=balanced_funding(),
        elevator_stairwells=stairwells_of(communities["qingbo"]),
        now=now,
    )
    services.plan_finalise(actor=officer, project=project)
    consultation = services.consultation_start(
        actor=officer, project=project, departments=["finance"], now=now
    )
    services.consultation_record_opinion(
        actor=accounts["caizheng"],
        consultation=consultation,
        department="finance",
        decision="disagree",
        conditions="资金来源不落实",
    )
    services.consultation_complete(actor=officer, consultation=consultation)
    votes.pass_(communities["qingbo"])
    services.publication_start(actor=officer, project=project, days=7, now=now)
    agree_management_plan(project, officer)
    with pytest.raises(StateError) as exc:
        services.project_move(
            actor=officer, project=project, to="implementing", now=now + dt.timedelta(days=8)
        )
    assert [m["code"] for m in exc.value.missing] == ["consultation.completed"]
    assert "不同意" in exc.value.message


def test_publication_of_an_older_version_does_not_count(accounts, communities, votes, now, rates):
    officer = accounts["shangcheng"]
    project = ready_project(actor=officer, community=communities["qingbo"], votes=votes, now=now)
    services.plan_reopen(actor=officer, project=project)
    from .conftest import ITEMS, balanced_funding

    services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        items=ITEMS,
        funding=balanced_funding(),
        elevator_stairwells=stairwells_of(communities["qingbo"]),
        now=now,
    )
    services.plan_finalise(actor=officer, project=project)
    with pytest.raises(StateError) as exc:
        services.project_move(
            actor=officer, project=project, to="implementing", now=now + dt.timedelta(days=30)
        )
    # the consultation and the publication were of version 1; version 2 needs its own (RULES §6a)
    assert [m["code"] for m in exc.value.missing] == ["consultation.completed", "publication.finished"]
    assert "审议的是第1版方案，现行为第2版" in exc.value.message


def test_refusal_message_is_one_chinese_then_one_english_sentence(accounts, communities, votes, now):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.project_move(actor=officer, project=project, to="planning")
    with pytest.raises(StateError) as exc:
        services.project_move(actor=officer, project=project, to="implementing", now=now)
    zh, en = exc.value.message.split("/ ", 1)
    assert "no whole-community renovation consent" not in zh and "尚无本项目的全体业主改造意愿表决结果" in zh
    assert "尚无" not in en
    assert "no whole-community renovation consent result for this project yet (民法典 第278条" in en


def test_screening_uses_the_plan_year_being_prepared(accounts, divs):
    # renovated comprehensively 5 years before next year: still inside the window this year, outside it next year
    from .conftest import make_community

    next_year = dt.date.today().year + 1
    community = make_community(
        "SC-PY", "计划年度小区", divs["330102001051"], last_comprehensive_renovation_year=next_year - 5
    )
    project = services.project_create(actor=accounts["shangcheng"], community_ids=[community.pk])
    assert project.state == ProjectState.RESERVE
