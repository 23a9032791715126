"""Follow-up inspections after handover. They reuse delivery's models: the inspection, its findings and — through
delivery's own :func:`gaizao.delivery.services.order_issue` / ``order_reply`` / ``order_review`` — the rectification
orders. A follow-up is scheduled by the rule set, found by the serving property company, or made from a resident's
报事."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.delivery import services as delivery_services
from gaizao.delivery.models import (
    Delivery,
    Finding,
    Inspection,
    InspectionKind,
    InspectorLevel,
    Organisation,
    Stage,
)
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.participation.models import SupervisionReport
from gaizao.policy import stewardship as rules
from gaizao.registry.models import Community
from gaizao.stewardship.models import FollowUp
from gaizao.stewardship.services._common import _choice, _text
from gaizao.stewardship.services.permissions import (
    can_record_finding,
    can_schedule,
    can_take_report,
    company_of,
)


def handed_over_on(delivery: Delivery) -> dt.date | None:
    """The day the works were handed over: the last handover recorded, else the day of the stage move."""
    if delivery.stage != Stage.HANDED_OVER:
        return None
    last = delivery.handovers.aggregate(day=Max("handed_on"))["day"]
    if last is not None:
        return last
    changed = delivery.stage_changed_at or timezone.now()
    return timezone.localtime(changed).date()


@transaction.atomic
def followups_schedule(*, actor: Any, delivery: Delivery) -> list[FollowUp]:
    """Schedule the rule set's follow-up inspections (e.g. 6, 12 and 24 months after handover). Idempotent."""
    if not can_schedule(actor, delivery):
        if delivery.stage != Stage.HANDED_OVER:
            raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
        raise PermissionError_("您无权安排回访检查。/ You may not schedule follow-up inspections.")
    day = handed_over_on(delivery)
    assert day is not None
    out = []
    for months, due in rules.followup_due_dates(day):
        followup, created = FollowUp.objects.get_or_create(
            delivery=delivery, months=months, defaults={"due_on": due}
        )
        out.append(followup)
        if created:
            audit_record(
                actor=actor,
                action="stewardship.followup.schedule",
                obj=delivery,
                changes={"months": months, "due_on": due.isoformat()},
            )
    return out


def _inspect(
    actor: Any,
    followup: FollowUp,
    *,
    kind: str,
    checklist: dict[str, Any] | None,
    note: str,
    findings: list[dict[str, Any]],
    now: dt.datetime | None = None,
) -> Inspection:
    delivery = followup.delivery
    level = delivery_services.inspector_level(actor, delivery)
    if level is None:
        raise PermissionError_("您无权回访检查该项目。/ You may not inspect this project.")
    if delivery.stage != Stage.HANDED_OVER:
        raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
    if followup.done:
        raise StateError(
            "该回访检查已完成。/ followup: this follow-up was already inspected.", field="followup"
        )
    kind = _choice(kind, InspectionKind, "kind", "检查类型")
    results = delivery_services.checklist_results(kind, checklist)
    # every finding and its order is checked before anything is written (delivery's own rules)
    prepared = [
        delivery_services.prepare_finding(delivery, kind, data, index=i, now=now)
        for i, data in enumerate(findings)
    ]
    inspection = Inspection.objects.create(
        delivery=delivery,
        kind=kind,
        level=level,
        inspector=actor,
        inspected_at=now or timezone.now(),
        checklist=results,
        note=_text(note, "note", "说明", required=False),
    )
    followup.inspection = inspection
    followup.save(update_fields=["inspection"])
    audit_record(
        actor=actor,
        action="stewardship.followup.inspect",
        obj=delivery,
        changes={"followup": followup.pk, "months": followup.months, "inspection": inspection.pk},
    )
    for data in prepared:
        delivery_services.write_finding(actor, inspection, data, now=now)
    return inspection


@transaction.atomic
def followup_record(
    *,
    actor: Any,
    followup: FollowUp,
    kind: str = InspectionKind.QUALITY,
    checklist: dict[str, Any] | None = None,
    note: str = "",
    findings: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    """Carry out a scheduled follow-up: a delivery inspection of the handed-over works with its findings; a
    finding's ``order`` (``{"party", "deadline", "requirement"}``) is issued through delivery's rectification.
    ``now`` is when the inspection took place (default now; not in the future)."""
    if now is not None and now > timezone.now():
        raise ApplicationError(
            "检查时间不能晚于现在。/ now: the inspection must not be in the future.", field="now"
        )
    followup = (
        FollowUp.objects.select_for_update().select_related("delivery__project__division").get(pk=followup.pk)
    )
    return _inspect(
        actor, followup, kind=kind, checklist=checklist, note=note, findings=findings or [], now=now
    )


@transaction.atomic
def company_finding_record(
    *,
    actor: Any,
    delivery: Delivery,
    community: Community,
    description: str,
    severity: str,
    kind: str = InspectionKind.QUALITY,
    photo: Any = None,
    lon: Any = None,
    lat: Any = None,
) -> FollowUp:
    """The property service company serving ``community`` records a problem it found in the handed-over works: an
    unscheduled follow-up with a delivery inspection by the company and one finding (delivery's checks). The
    rectification order, if any, is issued by an inspector through delivery's ``order_issue``."""
    delivery = Delivery.objects.select_for_update().select_related("project__division").get(pk=delivery.pk)
    if delivery.stage != Stage.HANDED_OVER:
        raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
    if not can_record_finding(actor, delivery, community):
        raise PermissionError_(
            "只有在本小区提供服务的物业服务企业可以登记问题。/ Only the property service company serving this "
            "community may record a finding here."
        )
    kind = _choice(kind, InspectionKind, "kind", "检查类型")
    prepared = delivery_services.prepare_finding(
        delivery,
        kind,
        {"description": description, "severity": severity, "photo": photo, "lon": lon, "lat": lat},
        index=-1,
    )
    company = company_of(actor)
    inspection = Inspection.objects.create(
        delivery=delivery,
        kind=kind,
        level=InspectorLevel.PROPERTY_SERVICE,
        inspector=actor,
        inspected_at=timezone.now(),
        note=f"{community.name}：物业服务企业发现的问题 / found by the property service company",
        lon=prepared["lon"],
        lat=prepared["lat"],
    )
    followup = FollowUp.objects.create(
        delivery=delivery, months=None, due_on=timezone.localdate(), inspection=inspection, company=company
    )
    audit_record(
        actor=actor,
        action="stewardship.followup.company_finding",
        obj=delivery,
        changes={
            "followup": followup.pk,
            "community": community.code,
            "company": company.pk if company else None,
        },
    )
    delivery_services.write_finding(actor, inspection, prepared, now=None)
    return followup


@transaction.atomic
def followup_from_report(
    *,
    actor: Any,
    delivery: Delivery,
    report: SupervisionReport,
    severity: str,
    kind: str = InspectionKind.QUALITY,
    party: Organisation | None = None,
    deadline: Any = None,
    requirement: str = "",
) -> FollowUp:
    """A resident's 报事 after handover becomes an unscheduled follow-up with one finding (and an order to the
    responsible party, e.g. the contractor within its warranty); the resident is answered, and told the outcome
    when delivery's review accepts the rectification."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.services import report_respond

    if Finding.objects.filter(report=report).exists():
        raise StateError("该报事已转为检查问题。/ report: it is already a finding.", field="report")
    if not can_take_report(actor, delivery, report):
        if delivery.stage != Stage.HANDED_OVER:
            raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
        raise PermissionError_("您无权将该报事转为回访问题。/ You may not turn this report into a follow-up.")
    followup = FollowUp.objects.create(
        delivery=delivery, months=None, due_on=timezone.localdate(), report=report
    )
    order = {"party": party, "deadline": deadline, "requirement": requirement} if party is not None else None
    _inspect(
        actor,
        followup,
        kind=kind,
        checklist=None,
        note=f"居民报事 #{report.pk} 转回访 / resident report #{report.pk}",
        findings=[
            {
                "description": f"居民报事：{report.description}",
                "severity": severity,
                "lon": report.lon,
                "lat": report.lat,
                "report": report,
                "order": order,
            }
        ],
    )
    if report.status == ReportStatus.OPEN:
        report_respond(
            actor=actor,
            report_id=report.pk,
            response="已转为移交后回访检查问题并督促整改，结果将在此告知。/ Turned into a follow-up finding after "
            "handover; the outcome will be posted here.",
        )
    return followup
