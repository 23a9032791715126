"""Delivery services against the database: guards, bad input naming its field, nothing half-written, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gaizao.audit.models import AuditEvent
from gaizao.delivery import selectors, services
from gaizao.delivery.models import (
    Acceptance,
    ApprovalStatus,
    Contract,
    Finding,
    Inspection,
    OrderState,
    RectificationOrder,
    Stage,
)
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.programme.models import AnnualPlan, AnnualPlanState
from tests.delivery.conftest import (
    SIGNATORIES,
    acceptance_items,
    add_contracts,
    code,
    make_project,
    pdf,
    png,
    record_all_approvals,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date.today


# --- opening and approvals ------------------------------------------------------------------------------------------


def test_open_builds_the_approvals_checklist_from_the_rule_set(delivery):
    # given a project in an approved annual plan, when its delivery is opened
    items = list(delivery.approvals.values_list("item_id", "required"))
    # then the checklist follows the rule set (三(二)) in procedure order and the opening is audited
    assert [i for i, _ in items][:5] == [
        "project_approval",
        "preliminary_design",
        "drawing_review",
        "tendering",
        "construction_permit",
    ]
    assert delivery.stage == Stage.PRELIMINARY
    assert AuditEvent.objects.filter(action="delivery.open", object_id=str(delivery.pk)).exists()


def test_open_refuses_a_second_delivery_and_other_districts(delivery, accounts, project):
    with pytest.raises(StateError) as err:
        services.delivery_open(actor=accounts["shangcheng"], project=project)
    assert err.value.field == "project"
    delivery.delete()
    with pytest.raises(PermissionError_):
        services.delivery_open(actor=accounts["xihu"], project=project)


def test_waiver_cites_the_consultation_and_its_opinion(delivery, accounts):
    approval = delivery.approvals.get(item_id="drawing_review")
    consultation = delivery.project.consultations.get()
    services.approval_waive(actor=accounts["shangcheng"], approval=approval, consultation=consultation)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.WAIVED
    assert approval.consultation == consultation
    assert "施工图审查免于办理" in approval.note


def test_tendering_cannot_be_waived(delivery, accounts):
    approval = delivery.approvals.get(item_id="tendering")
    with pytest.raises(ApplicationError) as err:
        services.approval_waive(
            actor=accounts["shangcheng"], approval=approval, consultation=delivery.project.consultations.get()
        )
    assert err.value.field == "status"


def test_approval_needs_number_date_and_a_real_document(delivery, accounts):
    approval = delivery.approvals.get(item_id="project_approval")
    officer = accounts["shangcheng"]
    kwargs = {
        "actor": officer,
        "approval": approval,
        "document_number": "上发改〔2026〕1号",
        "issued_on": TODAY(),
    }
    with pytest.raises(ApplicationError) as err:
        services.approval_record(**{**kwargs, "document_number": " "}, file=pdf())
    assert err.value.field == "document_number"
    with pytest.raises(ApplicationError) as err:
        services.approval_record(**{**kwargs, "issued_on": "2026-13-01"}, file=pdf())
    assert err.value.field == "issued_on"
    with pytest.raises(ApplicationError) as err:
        services.approval_record(**kwargs, file=SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"))
    assert err.value.field == "file"
    with pytest.raises(ApplicationError) as err:
        services.approval_record(**kwargs)
    assert err.value.field == "file"
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING and not approval.file
    services.approval_record(**kwargs, file=pdf())
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.RECORDED and approval.file.name.endswith(".pdf")


# --- organisations and contracts ------------------------------------------------------------------------------------


def test_credit_code_is_checked(accounts):
    officer = accounts["shangcheng"]
    good = code("91330102MA2AY0009")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ApplicationError) as err:
        services.organisation_create(actor=officer, name="某公司", credit_code=bad, kind="contractor")
    assert err.value.field == "credit_code"
    org = services.organisation_create(
        actor=officer, name="某公司", credit_code=good.lower(), kind="contractor"
    )
    assert org.credit_code == good
    with pytest.raises(ApplicationError) as err:
        services.organisation_create(actor=officer, name="重复", credit_code=good, kind="contractor")
    assert err.value.field == "credit_code"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "100.001"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"number": ""}, "number"),
        ({"kind": "bribery"}, "kind"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"starts_on": "2000-01-01"}, "starts_on"),
        ({"signed_on": "not a date"}, "signed_on"),
    ],
)
def test_contract_bad_input_names_the_field(delivery, accounts, orgs, change, field):
    today = timezone.localdate()
    kwargs = {
        "actor": accounts["shangcheng"],
        "delivery": delivery,
        "kind": "construction",
        "number": "SG-1",
        "party": orgs["builder"],
        "amount": "1000.00",
        "signed_on": today - dt.timedelta(days=5),
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=90),
    }
    with pytest.raises(ApplicationError) as err:
        services.contract_create(**{**kwargs, **change})
    assert err.value.field == field
    assert not Contract.objects.exists()


def test_contract_number_is_unique_and_amount_kept_to_the_fen(delivery, accounts, orgs):
    builder, watcher = add_contracts(delivery, accounts["shangcheng"], orgs)
    assert watcher.amount == Decimal("45000.50")
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as err:
        services.contract_create(
            actor=accounts["shangcheng"],
            delivery=delivery,
            kind="construction",
            number=builder.number,
            party=orgs["builder"],
            amount="1",
            signed_on=today,
            starts_on=today,
            ends_on=today,
        )
    assert err.value.field == "number"


def test_pipeline_sub_works_go_to_a_utility(delivery, accounts, orgs):
    today = timezone.localdate()
    kwargs = {
        "actor": accounts["shangcheng"],
        "delivery": delivery,
        "kind": "utility_water",
        "number": "GS-1",
        "amount": "200000",
        "signed_on": today,
        "starts_on": today,
        "ends_on": today,
    }
    with pytest.raises(ApplicationError) as err:
        services.contract_create(**kwargs, party=orgs["builder"])
    assert err.value.field == "party"
    assert services.contract_create(**kwargs, party=orgs["water"]).kind == "utility_water"


# --- stages ---------------------------------------------------------------------------------------------------------


def test_start_is_refused_until_plan_approvals_and_contracts(divs, accounts, orgs):
    from tests.programme.conftest import make_community

    community = make_community("SC-009", "劳动路小区", divs["330102001"])
    project = make_project(divs, community, code_="P-SC-009", approved=False, year=2030)
    officer = accounts["shangcheng"]
    delivery = services.delivery_open(actor=officer, project=project)
    blockers = dict(services.stage_blockers(delivery, Stage.STARTED))
    assert set(blockers) == {"annual_plan", "approvals", "contracts"}
    assert not services.can_start(officer, delivery)
    with pytest.raises(ApplicationError) as err:
        services.delivery_move(actor=officer, delivery=delivery, to="started")
    assert err.value.field == "annual_plan"
    AnnualPlan.objects.filter(projects=project).update(state=AnnualPlanState.APPROVED)
    record_all_approvals(delivery, officer)
    add_contracts(delivery, officer, orgs)
    assert services.can_start(officer, delivery)
    services.delivery_move(actor=officer, delivery=delivery, to="started")
    delivery.refresh_from_db()
    assert delivery.stage == Stage.STARTED
    assert AuditEvent.objects.filter(action="delivery.stage.started", object_id=str(delivery.pk)).exists()


def test_start_needs_the_contract_of_the_plans_delivery_mode(delivery, accounts, orgs):
    officer = accounts["shangcheng"]
    record_all_approvals(delivery, officer)
    today = timezone.localdate()
    services.contract_create(
        actor=officer,
        delivery=delivery,
        kind="construction",
        number="SG-only",
        party=orgs["builder"],
        amount="100",
        signed_on=today,
        starts_on=today,
        ends_on=today,
    )
    blockers = services.stage_blockers(delivery, Stage.STARTED)
    assert [f for f, _ in blockers] == ["contracts"] and "epc" in blockers[0][1]
    services.contract_create(
        actor=officer,
        delivery=delivery,
        kind="epc",
        number="EPC-1",
        party=orgs["builder"],
        amount="100",
        signed_on=today,
        starts_on=today,
        ends_on=today,
    )
    assert services.can_start(officer, delivery)


def test_suspension_needs_a_reason_and_resumes_to_the_stage_it_left(started, accounts):
    officer = accounts["shangcheng"]
    with pytest.raises(ApplicationError) as err:
        services.delivery_move(actor=officer, delivery=started, to="suspended")
    assert err.value.field == "reason"
    services.delivery_move(actor=officer, delivery=started, to="suspended", reason="汛期停工")
    started.refresh_from_db()
    assert started.stage == Stage.SUSPENDED and started.resume_stage == Stage.CONSTRUCTION
    with pytest.raises(StateError):
        services.delivery_move(actor=officer, delivery=started, to="started", reason="复工")
    services.delivery_move(actor=officer, delivery=started, to="construction", reason="汛期结束复工")
    started.refresh_from_db()
    assert started.stage == Stage.CONSTRUCTION and started.resume_stage == ""


def test_illegal_moves_and_future_dates_are_refused(started, accounts):
    officer = accounts["shangcheng"]
    with pytest.raises(StateError):
        services.delivery_move(actor=officer, delivery=started, to="handed_over")
    with pytest.raises(ApplicationError) as err:
        services.delivery_move(actor=officer, delivery=started, to="accepted")
    assert err.value.field == "stage"
    with pytest.raises(ApplicationError) as err:
        services.delivery_move(
            actor=officer, delivery=started, to="completed", on=TODAY() + dt.timedelta(days=3)
        )
    assert err.value.field == "on"


# --- inspections and rectification ----------------------------------------------------------------------------------


def _inspect_with_order(delivery, actor, orgs, photo=None):
    return services.inspection_record(
        actor=actor,
        delivery=delivery,
        kind="safety",
        checklist={"scaffolding": "fail", "temporary_power": "pass"},
        lon="120.16",
        lat="30.24",
        findings=[
            {
                "description": "脚手架未设防护栏",
                "severity": "major",
                "checklist_item": "scaffolding",
                "photo": photo or png(),
                "lon": "120.1601",
                "lat": "30.2401",
                "order": {"party": orgs["builder"], "requirement": "立即加设防护栏"},
            }
        ],
    )


def test_inspection_with_photo_raises_an_order_with_a_rule_set_deadline(started, accounts, orgs):
    inspection = _inspect_with_order(started, accounts["qingbo"], orgs)
    assert inspection.level == "street"
    finding = inspection.findings.get()
    assert finding.photo.name and finding.lon == pytest.approx(120.1601)
    order = finding.order
    assert order.state == OrderState.OPEN
    assert order.deadline == timezone.localdate() + dt.timedelta(days=3)  # major: 3 days (rule set)


def test_a_photo_that_is_not_an_image_or_too_large_writes_nothing(started, accounts, orgs, monkeypatch):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 pretending", content_type="image/jpeg")
    with pytest.raises(ApplicationError) as err:
        _inspect_with_order(started, accounts["qingbo"], orgs, photo=fake)
    assert err.value.field == "findings[0].photo"
    monkeypatch.setattr("gaizao.delivery.uploads.PHOTO_MAX_BYTES", 10)
    with pytest.raises(ApplicationError) as err:
        _inspect_with_order(started, accounts["qingbo"], orgs)
    assert err.value.field == "findings[0].photo"
    assert not Inspection.objects.exists() and not Finding.objects.exists()


def test_order_must_go_to_a_party_of_the_project(started, accounts, orgs):
    with pytest.raises(ApplicationError) as err:
        services.inspection_record(
            actor=accounts["qingbo"],
            delivery=started,
            kind="quality",
            findings=[{"description": "x", "severity": "minor", "order": {"party": orgs["other"]}}],
        )
    assert err.value.field == "findings[0].order.party"


def test_reply_review_and_acceptance_guard(started, accounts, orgs):
    officer, street = accounts["shangcheng"], accounts["qingbo"]
    order = _inspect_with_order(started, street, orgs).findings.get().order
    # only the responsible party replies, with a photo
    with pytest.raises(PermissionError_):
        services.order_reply(actor=accounts["outsider"], order=order, body="已整改", evidence=png())
    with pytest.raises(ApplicationError) as err:
        services.order_reply(actor=accounts["builder"], order=order, body="已整改", evidence=None)
    assert err.value.field == "evidence"
    services.order_reply(actor=accounts["builder"], order=order, body="已加设防护栏", evidence=png())
    order.refresh_from_db()
    assert order.state == OrderState.REPLIED
    # a rejection needs a reason and sends the order back
    with pytest.raises(ApplicationError) as err:
        services.order_review(actor=street, order=order, accept=False)
    assert err.value.field == "note"
    services.order_review(actor=street, order=order, accept=False, note="防护栏高度不足")
    order.refresh_from_db()
    assert order.state == OrderState.OPEN
    # 完工, then 竣工验收 refused while the order is open
    services.delivery_move(actor=officer, delivery=started, to="completed")
    with pytest.raises(ApplicationError) as err:
        services.acceptance_record(
            actor=officer,
            delivery=started,
            held_on=TODAY(),
            items=acceptance_items(),
            signatories=SIGNATORIES,
            conclusion="合格",
        )
    assert err.value.field == "orders"
    assert not Acceptance.objects.exists()
    services.order_reply(actor=accounts["builder"], order=order, body="已加高防护栏", evidence=png())
    services.order_review(actor=accounts["watcher"], order=order, accept=True, note="复查合格")
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED and order.closed_at is not None
    assert [r.decision for r in order.replies.all()] == ["rejected", "accepted"]


def test_overdue_orders_escalate_once(started, accounts, orgs):
    order = _inspect_with_order(started, accounts["qingbo"], orgs).findings.get().order
    RectificationOrder.objects.filter(pk=order.pk).update(deadline=TODAY() - dt.timedelta(days=2))
    assert selectors.overdue_orders(accounts["shangcheng"]).count() == 1
    assert services.orders_escalate() == 1
    assert services.orders_escalate() == 0
    order.refresh_from_db()
    assert order.escalated_at is not None
    assert AuditEvent.objects.filter(action="delivery.order.escalate", object_id=str(order.pk)).count() == 1


def test_resident_report_becomes_a_finding_and_the_resident_sees_the_outcome(
    started, accounts, orgs, community
):
    from gaizao.participation.models import ReportStatus, SupervisionReport

    report = SupervisionReport.objects.create(
        community=community, category="safety", description="楼道堆放钢管", reporter=accounts["resident"]
    )
    street = accounts["qingbo"]
    finding = services.finding_from_report(
        actor=street, delivery=started, report=report, kind="safety", severity="minor", party=orgs["builder"]
    )
    report.refresh_from_db()
    assert finding.report == report and report.status == ReportStatus.RESPONDED
    with pytest.raises(StateError):
        services.finding_from_report(
            actor=street, delivery=started, report=report, kind="safety", severity="minor"
        )
    services.order_reply(actor=accounts["builder"], order=finding.order, body="已清理", evidence=png())
    services.order_review(actor=street, order=finding.order, accept=True, note="已清理完毕")
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED


# --- acceptance and handover ----------------------------------------------------------------------------------------


def test_acceptance_needs_every_plan_item_and_all_parties(started, accounts):
    officer = accounts["shangcheng"]
    services.delivery_move(actor=officer, delivery=started, to="completed")
    base = {"actor": officer, "delivery": started, "held_on": TODAY(), "conclusion": "合格"}
    with pytest.raises(ApplicationError) as err:
        services.acceptance_record(**base, items=acceptance_items()[:1], signatories=SIGNATORIES)
    assert err.value.field == "items[1]"
    with pytest.raises(ApplicationError) as err:
        services.acceptance_record(**base, items=acceptance_items(), signatories=SIGNATORIES[:4])
    assert err.value.field == "signatories"
    with pytest.raises(ApplicationError) as err:
        services.acceptance_record(**base, items=acceptance_items("-3"), signatories=SIGNATORIES)
    assert err.value.field == "items[0].delivered"
    acceptance = services.acceptance_record(**base, items=acceptance_items("1100"), signatories=SIGNATORIES)
    started.refresh_from_db()
    assert started.stage == Stage.ACCEPTED
    assert acceptance.items[0]["planned"] == "1200" and acceptance.items[0]["delivered"] == "1100"
    assert acceptance.signatories.count() == 6


def test_handover_then_final_stage(started, accounts, orgs):
    officer = accounts["shangcheng"]
    with pytest.raises(StateError):
        services.handover_record(
            actor=officer,
            delivery=started,
            kind="facility",
            facility="电梯",
            keeper_kind="property_service",
            keeper_name="某物业",
            property_rights_note="产权归全体业主",
            handed_on=TODAY(),
        )
    services.delivery_move(actor=officer, delivery=started, to="completed")
    services.acceptance_record(
        actor=officer,
        delivery=started,
        held_on=TODAY(),
        items=acceptance_items(),
        signatories=SIGNATORIES,
        conclusion="合格",
    )
    with pytest.raises(ApplicationError) as err:
        services.delivery_move(actor=officer, delivery=started, to="handed_over")
    assert err.value.field == "handovers"
    with pytest.raises(ApplicationError) as err:
        services.handover_record(
            actor=officer,
            delivery=started,
            kind="pipeline",
            facility="二次供水管网",
            keeper_kind="utility",
            keeper=orgs["water"],
            property_rights_note="",
            handed_on=TODAY(),
        )
    assert err.value.field == "property_rights_note"
    services.handover_record(
        actor=officer,
        delivery=started,
        kind="pipeline",
        facility="二次供水管网",
        keeper_kind="utility",
        keeper=orgs["water"],
        property_rights_note="移交供水企业统一管理，产权随资产移交",
        handed_on=TODAY(),
    )
    services.delivery_move(actor=officer, delivery=started, to="handed_over")
    started.refresh_from_db()
    assert started.stage == Stage.HANDED_OVER


# --- milestones -----------------------------------------------------------------------------------------------------


def test_milestones_dates_in_order_and_late_flag(delivery, accounts):
    officer = accounts["shangcheng"]
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as err:
        services.milestone_add(
            actor=officer,
            delivery=delivery,
            name="雨污管网",
            planned_start=today,
            planned_end=today - dt.timedelta(1),
        )
    assert err.value.field == "planned_end"
    late = services.milestone_add(
        actor=officer,
        delivery=delivery,
        name="雨污管网",
        planned_start=today - dt.timedelta(days=30),
        planned_end=today - dt.timedelta(days=1),
    )
    ok = services.milestone_add(
        actor=officer,
        delivery=delivery,
        name="外立面",
        planned_start=today,
        planned_end=today + dt.timedelta(days=30),
    )
    assert selectors.is_late(late) and not selectors.is_late(ok)
    services.milestone_progress(
        actor=officer,
        milestone=late,
        actual_start=today - dt.timedelta(days=30),
        actual_end=today - dt.timedelta(days=5),
    )
    late.refresh_from_db()
    assert not selectors.is_late(late)
    assert list(selectors.late_milestones(officer)) == []
    chart = selectors.gantt_chart(delivery)
    assert [r["name"] for r in chart["rows"]] == ["雨污管网", "外立面"]


# --- dashboard counts from the audited stage events -----------------------------------------------------------------


def test_started_and_completed_counts_come_from_audited_events(started, accounts, divs):
    officer = accounts["shangcheng"]
    last_year = dt.date(TODAY().year - 1, 12, 30)
    rows = selectors.stage_event_counts(accounts["city"])
    assert rows == [
        {
            "district": "上城区",
            "year": TODAY().year,
            "started_projects": 1,
            "started_communities": 1,
            "completed_projects": 0,
            "completed_communities": 0,
        }
    ]
    # a suspension and resumption to 开工-stage work does not count a second 开工
    services.delivery_move(actor=officer, delivery=started, to="suspended", reason="停工")
    services.delivery_move(actor=officer, delivery=started, to="construction", reason="复工")
    services.delivery_move(actor=officer, delivery=started, to="completed", on=last_year)
    rows = {(r["year"], r["district"]): r for r in selectors.stage_event_counts(accounts["city"])}
    assert rows[(TODAY().year, "上城区")]["started_projects"] == 1
    assert rows[(last_year.year, "上城区")]["completed_communities"] == 1
    # other districts' officers see none of it; the counts cannot be typed in (no field holds them)
    assert selectors.stage_event_counts(accounts["xihu"]) == []


def test_escalation_job_runs_in_the_starters_scope(started, accounts, orgs):
    from gaizao.delivery.jobs import escalate_overdue
    from gaizao.jobs.models import Job

    order = _inspect_with_order(started, accounts["qingbo"], orgs).findings.get().order
    RectificationOrder.objects.filter(pk=order.pk).update(deadline=TODAY() - dt.timedelta(days=1))
    xihu_job = Job.objects.create(kind="delivery.escalate_overdue", title="x", params={})
    assert escalate_overdue(xihu_job, user_id=accounts["xihu"].pk) == {"escalated": 0, "url": "/delivery/"}
    job = Job.objects.create(kind="delivery.escalate_overdue", title="x", params={})
    assert escalate_overdue(job, user_id=accounts["shangcheng"].pk)["escalated"] == 1
