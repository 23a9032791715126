from __future__ import annotations

import datetime as dt
import io

import pytest

from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.programme import documents, services
from gaizao.programme.models import ConsultationState, PublicationState

from .conftest import ITEMS, balanced_funding

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(accounts, communities, rates, now):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.project_move(actor=officer, project=project, to="planning")
    services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        items=ITEMS,
        funding=balanced_funding(),
        now=now,
    )
    services.plan_finalise(actor=officer, project=project)
    return project


def test_consultation_invites_all_departments_and_utilities(project, accounts):
    consultation = services.consultation_start(actor=accounts["shangcheng"], project=project)
    departments = list(consultation.opinions.values_list("department", flat=True))
    assert departments == [
        "housing_construction",
        "development_reform",
        "finance",
        "planning_natural_resources",
        "gardens_culture",
        "urban_management",
        "civil_affairs",
        "water",
        "power",
        "gas",
        "telecom",
    ]
    with pytest.raises(StateError):
        services.consultation_start(actor=accounts["shangcheng"], project=project)


def test_water_utility_records_only_the_water_opinion(project, accounts):
    consultation = services.consultation_start(actor=accounts["shangcheng"], project=project)
    water = accounts["water"]
    opinion = services.consultation_record_opinion(
        actor=water,
        consultation=consultation,
        department="water",
        decision="agree_conditions",
        conditions="二次供水泵房须同步改造",
        simplified_approvals="免于单独办理供水接入审批",
    )
    assert opinion.responded_by == water
    with pytest.raises(PermissionError_):
        services.consultation_record_opinion(
            actor=water, consultation=consultation, department="gas", decision="agree"
        )
    with pytest.raises(PermissionError_):
        services.consultation_record_opinion(
            actor=accounts["qingbo"], consultation=consultation, department="finance", decision="agree"
        )
    with pytest.raises(ApplicationError) as exc:
        services.consultation_record_opinion(
            actor=water, consultation=consultation, department="water", decision="agree_conditions"
        )
    assert exc.value.field == "conditions"


def test_complete_refused_while_departments_are_pending(project, accounts):
    officer = accounts["shangcheng"]
    consultation = services.consultation_start(actor=officer, project=project)
    services.consultation_record_opinion(
        actor=accounts["caizheng"], consultation=consultation, department="finance", decision="agree"
    )
    with pytest.raises(StateError) as exc:
        services.consultation_complete(actor=officer, consultation=consultation)
    assert "住建" in exc.value.message and "财政" not in exc.value.message.split("/")[0]


def test_consolidated_opinion_word_document(project, accounts):
    from docx import Document

    officer = accounts["shangcheng"]
    consultation = services.consultation_start(actor=officer, project=project)
    for opinion in consultation.opinions.all():
        if opinion.department == "water":
            services.consultation_record_opinion(
                actor=accounts["water"],
                consultation=consultation,
                department="water",
                decision="agree_conditions",
                conditions="二次供水泵房须同步改造",
                simplified_approvals="供水接入审批",
            )
        else:
            services.consultation_record_opinion(
                actor=services.department_accounts(consultation, opinion.department)[0],
                consultation=consultation,
                department=opinion.department,
                decision="agree",
                simplified_approvals=f"{opinion.department}审批合并办理",
            )
    done = services.consultation_complete(
        actor=officer, consultation=consultation, summary="同意按方案实施。"
    )
    assert done.state == ConsultationState.COMPLETED and done.agreed
    doc = Document(io.BytesIO(documents.consultation_docx(done)))
    table_text = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    departments = [row[0] for row in table_text[1:]]
    assert departments == [
        "住建",
        "发改",
        "财政",
        "规划和自然资源",
        "园文",
        "城管",
        "民政",
        "水",
        "电",
        "气",
        "通信",
    ]
    water = next(row for row in table_text if row[0] == "水")
    assert water[1:] == ["有条件同意", "二次供水泵房须同步改造", "供水接入审批"]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert project.name in body and "水提出的条件" in body and "同意按方案实施" in body
    with pytest.raises(StateError):
        services.consultation_record_opinion(
            actor=accounts["ranqi"], consultation=done, department="gas", decision="agree"
        )


def test_each_party_answers_for_itself(project, accounts, divs):
    """Neither the district nor the city types a department's opinion; a department account answers only for its
    own department, and only inside its scope (a 西湖区 department does not answer for 上城区)."""
    from gaizao.accounts.models import Role, User

    consultation = services.consultation_start(actor=accounts["shangcheng"], project=project)
    for actor in (accounts["shangcheng"], accounts["city"], accounts["qingbo"], accounts["ndrc"]):
        assert not services.can_record_opinion(actor, consultation, "finance")
        with pytest.raises(PermissionError_):
            services.consultation_record_opinion(
                actor=actor, consultation=consultation, department="finance", decision="agree"
            )
    assert services.can_record_opinion(accounts["caizheng"], consultation, "finance")
    assert not services.can_record_opinion(accounts["caizheng"], consultation, "civil_affairs")
    with pytest.raises(PermissionError_):
        services.consultation_record_opinion(
            actor=accounts["caizheng"],
            consultation=consultation,
            department="civil_affairs",
            decision="agree",
        )
    district = User.objects.create(
        username="shangcheng-minzheng",
        role=Role.DEPARTMENT,
        department="civil_affairs",
        division=divs["330102"],
    )
    other = User.objects.create(
        username="xihu-minzheng", role=Role.DEPARTMENT, department="civil_affairs", division=divs["330106"]
    )
    assert services.can_record_opinion(district, consultation, "civil_affairs")
    assert not services.can_record_opinion(other, consultation, "civil_affairs")
    assert [u.username for u in services.department_accounts(consultation, "civil_affairs")] == [
        "minzheng",
        "shangcheng-minzheng",
    ]
    opinion = services.consultation_record_opinion(
        actor=district, consultation=consultation, department="civil_affairs", decision="agree"
    )
    assert opinion.responded_by == district and opinion.decision == "agree"


def test_no_opinion_defaults_to_agree(project, accounts):
    consultation = services.consultation_start(actor=accounts["shangcheng"], project=project)
    assert set(consultation.opinions.values_list("decision", flat=True)) == {"pending"}
    for decision in ("", "pending"):
        with pytest.raises(ApplicationError) as exc:
            services.consultation_record_opinion(
                actor=accounts["zhujian"],
                consultation=consultation,
                department="housing_construction",
                decision=decision,
            )
        assert exc.value.field == "decision"
    assert str(consultation.opinions.get(department="finance").get_decision_display()).startswith("未答复")


def test_remind_notifies_the_accounts_of_departments_that_have_not_answered(project, accounts, now):
    from gaizao.accounts.models import Notice
    from gaizao.audit.models import AuditEvent

    officer = accounts["shangcheng"]
    consultation = services.consultation_start(actor=officer, project=project)
    services.consultation_record_opinion(
        actor=accounts["caizheng"], consultation=consultation, department="finance", decision="agree"
    )
    assert services.can_remind(officer, consultation)
    assert not services.can_remind(accounts["caizheng"], consultation)
    assert not services.can_remind(accounts["xihu"], consultation)
    with pytest.raises(PermissionError_):
        services.consultation_remind(actor=accounts["qingbo"], consultation=consultation)
    with pytest.raises(ApplicationError) as exc:
        services.consultation_remind(actor=officer, consultation=consultation, departments=["finance"])
    assert exc.value.field == "departments" and "财政" in exc.value.message
    reached = services.consultation_remind(
        actor=officer, consultation=consultation, departments=["water"], now=now
    )
    assert reached == {"water": 1}
    notice = Notice.objects.get(user=accounts["water"], kind="consultation_reminder")
    assert project.code in notice.text and notice.link == f"/programme/consultations/{consultation.pk}/"
    assert consultation.opinions.get(department="water").reminded_at == now
    assert consultation.opinions.get(department="gas").reminded_at is None
    reached = services.consultation_remind(actor=officer, consultation=consultation, now=now)
    assert "finance" not in reached and reached["gas"] == 1 and len(reached) == 10
    assert Notice.objects.filter(user=accounts["caizheng"]).count() == 0
    assert Notice.objects.filter(user=accounts["zhujian"], kind="consultation_reminder").count() == 1
    event = AuditEvent.objects.filter(action="consultation.remind").order_by("pk").first()
    assert event.actor == officer and event.changes["reached"] == {"water": 1}


def test_complete_needs_every_invited_department_to_answer(project, accounts):
    from .conftest import answer_all

    officer = accounts["shangcheng"]
    consultation = services.consultation_start(actor=officer, project=project)
    answer_all(consultation)
    done = services.consultation_complete(actor=officer, consultation=consultation)
    assert done.state == ConsultationState.COMPLETED and done.agreed
    assert set(done.opinions.values_list("responded_by__role", flat=True)) == {"department", "utility"}
    with pytest.raises(StateError):
        services.consultation_remind(actor=officer, consultation=done)


def test_publication_period_comments_and_replies(project, accounts, now):
    officer = accounts["shangcheng"]
    with pytest.raises(ApplicationError):
        services.publication_start(actor=officer, project=project, days=0, now=now)
    with pytest.raises(ApplicationError) as short:
        services.publication_start(actor=officer, project=project, days=5, now=now)
    assert short.value.code == "publication.too_short" and "四(三)" in short.value.message
    publication = services.publication_start(actor=officer, project=project, days=8, now=now)
    assert publication.ends_at == now + dt.timedelta(days=8)
    with pytest.raises(StateError):
        services.publication_start(actor=officer, project=project, now=now)
    comment = services.publication_comment_add(
        publication=publication,
        name="王小明",
        contact="13812345678",
        body="希望增加停车位",
        now=now + dt.timedelta(days=1),
    )
    with pytest.raises(ApplicationError) as exc:
        services.publication_comment_add(publication=publication, name="", contact="x", body="y", now=now)
    assert exc.value.field == "name"
    services.publication_comment_reply(actor=accounts["qingbo"], comment=comment, reply="已纳入方案", now=now)
    comment.refresh_from_db()
    assert comment.reply == "已纳入方案" and comment.replied_by == accounts["qingbo"]
    with pytest.raises(PermissionError_):
        services.publication_comment_reply(actor=accounts["xihu"], comment=comment, reply="x")
    assert not publication.is_finished(now + dt.timedelta(days=7, hours=23))
    with pytest.raises(StateError):
        services.publication_finish(actor=officer, publication=publication, now=now + dt.timedelta(days=7))
    with pytest.raises(StateError):
        services.publication_comment_add(
            publication=publication, name="李", contact="1", body="晚了", now=now + dt.timedelta(days=8)
        )
    finished = services.publication_finish(
        actor=officer, publication=publication, now=now + dt.timedelta(days=8)
    )
    assert finished.state == PublicationState.FINISHED
    with pytest.raises(StateError):
        services.publication_withdraw(actor=officer, publication=finished)


def test_only_a_finalised_plan_is_published(project, accounts, now):
    officer = accounts["shangcheng"]
    services.plan_reopen(actor=officer, project=project)
    with pytest.raises(StateError):
        services.publication_start(actor=officer, project=project, now=now)


def test_control_characters_in_an_opinion_do_not_break_the_word_document(project, accounts):
    """Text pasted from other systems can carry control characters that XML (and so docx) cannot hold."""
    from docx import Document

    consultation = services.consultation_start(actor=accounts["shangcheng"], project=project)
    services.consultation_record_opinion(
        actor=accounts["water"],
        consultation=consultation,
        department="water",
        decision="agree_conditions",
        conditions="二次供水\x0b泵房\x1f须同步改造",
        simplified_approvals="免于\x08单独办理",  # PostgreSQL text cannot hold NUL at all
    )
    text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(documents.consultation_docx(consultation))).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "二次供水泵房须同步改造" in text
    assert "免于单独办理" in text
