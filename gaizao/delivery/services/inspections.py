"""Inspections (施工检查) and their findings; a finding may raise a rectification order (:mod:`.orders`).

:func:`checklist_results`, :func:`prepare_finding` and :func:`write_finding` are shared with stewardship's
inspections of handed-over facilities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.delivery.models import Delivery, Finding, Inspection, InspectionKind, Severity, Stage
from gaizao.delivery.services._common import _choice, _lock, _now, _text, parse_position
from gaizao.delivery.services.orders import _prepare_order, _write_order
from gaizao.delivery.services.permissions import inspector_level
from gaizao.delivery.uploads import check_photo
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.policy import delivery as rules

#: Stages during which the works are inspected.
WORKS_STAGES = frozenset({Stage.STARTED, Stage.CONSTRUCTION, Stage.COMPLETED, Stage.SUSPENDED})


def can_inspect(user: Any, delivery: Delivery) -> bool:
    return delivery.stage in WORKS_STAGES and inspector_level(user, delivery) is not None


def checklist_results(kind: str, results: dict[str, Any] | None) -> dict[str, str]:
    """The checklist answers of an inspection of ``kind``: known items only, each pass, fail or na."""
    known = {item.id for item in rules.inspection_checklist(kind, timezone.localdate())}
    out: dict[str, str] = {}
    for key, value in (results or {}).items():
        if key not in known:
            raise ApplicationError(
                f"检查项“{key}”不在检查表中。/ checklist: unknown item {key!r}.", field="checklist"
            )
        if value in ("", None):
            continue
        if value not in ("pass", "fail", "na"):
            raise ApplicationError(
                f"检查项“{key}”的结果无效。/ checklist.{key}: expected pass, fail or na.", field="checklist"
            )
        out[key] = str(value)
    return out


@transaction.atomic
def inspection_record(
    *,
    actor: Any,
    delivery: Delivery,
    kind: str,
    checklist: dict[str, Any] | None = None,
    note: str = "",
    lon: Any = None,
    lat: Any = None,
    findings: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    """Record an inspection (from a phone) with its checklist and findings; a finding may raise an order.

    ``findings``: ``[{"description", "severity", "photo", "lon", "lat", "checklist_item", "order": {"party",
    "deadline", "requirement"} | None}]``. Everything is checked before anything is written.
    """
    delivery = _lock(delivery)
    level = inspector_level(actor, delivery)
    if level is None:
        raise PermissionError_("您无权检查该项目。/ You may not inspect this project.")
    if delivery.stage not in WORKS_STAGES:
        raise StateError(
            "项目不在施工阶段，不能检查。/ stage: the works are not under way; nothing to inspect.",
            field="stage",
        )
    kind = _choice(kind, InspectionKind, "kind", "检查类型")
    results = checklist_results(kind, checklist)
    x, y = parse_position(lon, lat)
    prepared = [prepare_finding(delivery, kind, f, index=i, now=now) for i, f in enumerate(findings or [])]
    inspection = Inspection.objects.create(
        delivery=delivery,
        kind=kind,
        level=level,
        inspector=actor,
        inspected_at=_now(now),
        checklist=results,
        note=_text(note, "note", "说明", required=False),
        lon=x,
        lat=y,
    )
    audit_record(
        actor=actor,
        action="delivery.inspection.record",
        obj=delivery,
        changes={"inspection": inspection.pk, "kind": kind, "level": level, "findings": len(prepared)},
    )
    for data in prepared:
        write_finding(actor, inspection, data, now=now)
    return inspection


def prepare_finding(
    delivery: Delivery, kind: str, data: dict[str, Any], *, index: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Check one finding (and its order) before anything is written; the result goes to :func:`write_finding`.

    ``now`` is when the inspection took place (default now): an order's default deadline counts from that day."""
    prefix = f"findings[{index}]." if index >= 0 else ""
    description = _text(data.get("description"), f"{prefix}description", "问题描述")
    severity = _choice(data.get("severity"), Severity, f"{prefix}severity", "严重程度")
    item = str(data.get("checklist_item") or "")
    if item and item not in {i.id for i in rules.inspection_checklist(kind, timezone.localdate())}:
        raise ApplicationError(
            f"检查项“{item}”不在检查表中。/ {prefix}checklist_item: unknown item.",
            field=f"{prefix}checklist_item",
        )
    photo = data.get("photo")
    check_photo(photo, field=f"{prefix}photo")
    x, y = parse_position(data.get("lon"), data.get("lat"))
    order = data.get("order")
    prepared_order = (
        _prepare_order(delivery, severity, order, prefix=f"{prefix}order.", now=now) if order else None
    )
    return {
        "description": description,
        "severity": severity,
        "checklist_item": item,
        "photo": photo,
        "lon": x,
        "lat": y,
        "order": prepared_order,
        "report": data.get("report"),
    }


def write_finding(
    actor: Any, inspection: Inspection, data: dict[str, Any], *, now: dt.datetime | None
) -> Finding:
    finding = Finding(
        inspection=inspection,
        checklist_item=data["checklist_item"],
        description=data["description"],
        severity=data["severity"],
        lon=data["lon"],
        lat=data["lat"],
        report=data.get("report"),
        created_by=actor,
    )
    photo = data.get("photo")
    if photo is not None:
        finding.photo.save(f"finding-{inspection.delivery_id}-{photo.name}", photo, save=False)
    finding.save()
    audit_record(
        actor=actor,
        action="delivery.finding.add",
        obj=inspection.delivery,
        changes={"finding": finding.pk, "severity": finding.severity, "report": finding.report_id},
    )
    if data.get("order"):
        _write_order(actor, finding, data["order"], now=now)
    return finding
