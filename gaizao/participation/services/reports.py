"""Supervision reports (报事): raised by owners or staff, answered and closed by staff."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.accounts.models import User
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, NotFoundError, StateError
from gaizao.participation.models import ReportCategory, ReportStatus, SupervisionReport
from gaizao.participation.services._common import _check_upload, _require_owner_in, owner_of, stored_name
from gaizao.registry.models import Community


@transaction.atomic
def report_create(
    *,
    actor: User,
    community_id: int,
    category: str,
    description: str,
    photo: UploadedFile | None = None,
    location_text: str = "",
    lon: float | None = None,
    lat: float | None = None,
    project_ref: str = "",
    is_sample: bool = False,
) -> SupervisionReport:
    community = Community.objects.select_related("division").filter(pk=community_id).first()
    if community is None:
        raise NotFoundError("小区不存在。/ Community not found.")
    if owner_of(actor) is not None:
        _require_owner_in(actor, community.pk)
    else:
        require_write(actor, community.division)
    if category not in ReportCategory.values:
        raise ApplicationError("请选择问题类别。/ category is not valid.", field="category")
    description = (description or "").strip()
    if not description:
        raise ApplicationError("请描述问题。/ The description is required.", field="description")
    if (lon is None) != (lat is None) or (
        lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)
    ):
        raise ApplicationError("位置坐标无效。/ lon and lat must be a valid WGS84 pair.", field="lon")
    _check_upload(photo, "photo", "照片", "The photo")
    report = SupervisionReport(
        community=community,
        project_ref=(project_ref or "")[:60],
        category=category,
        description=description[:4000],
        location_text=(location_text or "")[:200],
        lon=lon,
        lat=lat,
        reporter=actor,
        is_sample=is_sample,
    )
    if photo is not None:
        report.photo.save(stored_name(f"report-{community.pk}", photo.name), photo, save=False)
    report.save()
    audit_record(actor=actor, action="report_create", obj=report, changes={"category": [None, category]})
    return report


def _report_for_write(actor: User, report_id: int) -> SupervisionReport:
    report = (
        SupervisionReport.objects.select_for_update(of=("self",))
        .select_related("community__division")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFoundError("报事不存在。/ Report not found.")
    require_write(actor, report.community.division)
    return report


@transaction.atomic
def report_respond(*, actor: User, report_id: int, response: str) -> SupervisionReport:
    report = _report_for_write(actor, report_id)
    if report.status != ReportStatus.OPEN:
        raise StateError("只有待处理的报事可以答复。/ Only an open report can be answered.", field="status")
    response = (response or "").strip()
    if not response:
        raise ApplicationError("答复内容必填。/ The response is required.", field="response")
    report.status = ReportStatus.RESPONDED
    report.response = response[:4000]
    report.responded_by = actor
    report.responded_at = timezone.now()
    report.save(update_fields=["status", "response", "responded_by", "responded_at"])
    audit_record(actor=actor, action="report_respond", obj=report, changes={"status": ["open", "responded"]})
    return report


@transaction.atomic
def report_close(*, actor: User, report_id: int, note: str = "") -> SupervisionReport:
    report = _report_for_write(actor, report_id)
    if report.status != ReportStatus.RESPONDED:
        raise StateError("报事须先答复再办结。/ A report is answered before it is closed.", field="status")
    report.status = ReportStatus.CLOSED
    report.closed_at = timezone.now()
    report.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        action="report_close",
        obj=report,
        changes={"status": ["responded", "closed"]},
        reason=note,
    )
    return report
