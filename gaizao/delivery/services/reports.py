"""Residents' reports (报事) on the project's communities turned into inspection findings (and orders); the
resident is answered through participation's own services."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gaizao.accounts.models import Role
from gaizao.delivery.models import Delivery, Finding, Organisation
from gaizao.delivery.services._common import _lock
from gaizao.delivery.services.inspections import inspection_record
from gaizao.delivery.services.permissions import inspector_level
from gaizao.errors import ApplicationError, PermissionError_, StateError


def can_convert_report(user: Any, delivery: Delivery, report: Any) -> bool:
    if inspector_level(user, delivery) is None or user.role == Role.SUPERVISOR:
        return False
    if hasattr(report, "delivery_finding"):
        return False
    return delivery.project.communities.filter(pk=report.community_id).exists()


@transaction.atomic
def finding_from_report(
    *,
    actor: Any,
    delivery: Delivery,
    report: Any,
    kind: str,
    severity: str,
    party: Organisation | None = None,
    deadline: Any = None,
    requirement: str = "",
) -> Finding:
    """Turn a resident's 报事 on the project's community into a finding (and an order); the resident is answered."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.services import report_respond

    delivery = _lock(delivery)
    if not delivery.project.communities.filter(pk=report.community_id).exists():
        raise ApplicationError(
            "该报事不属于本项目的小区。/ report: the report is not about this project's communities.",
            field="report",
        )
    if Finding.objects.filter(report=report).exists():
        raise StateError("该报事已转为检查问题。/ report: it is already a finding.", field="report")
    if not can_convert_report(actor, delivery, report):
        raise PermissionError_("您无权将报事转为检查问题。/ You may not turn this report into a finding.")
    data = {
        "description": f"居民报事：{report.description}",
        "severity": severity,
        "lon": report.lon,
        "lat": report.lat,
        "report": report,
        "order": {"party": party, "deadline": deadline, "requirement": requirement}
        if party is not None
        else None,
    }
    inspection = inspection_record(
        actor=actor,
        delivery=delivery,
        kind=kind,
        note=f"居民报事 #{report.pk} 转办 / resident report #{report.pk}",
        findings=[data],
    )
    finding = inspection.findings.get()
    if report.status == ReportStatus.OPEN:
        report_respond(
            actor=actor,
            report_id=report.pk,
            response="已转为施工检查问题并督促整改，整改结果将在此告知。/ Turned into an inspection finding; the "
            "outcome of the rectification will be posted here.",
        )
    return finding
