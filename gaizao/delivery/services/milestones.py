"""The schedule: milestones planned, and their actual start and end recorded."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.delivery.models import Delivery, Milestone, Stage
from gaizao.delivery.services._common import _required_date, _text, parse_date
from gaizao.delivery.services.permissions import is_officer_for
from gaizao.errors import ApplicationError, PermissionError_


def can_plan(user: Any, delivery: Delivery) -> bool:
    return is_officer_for(user, delivery) and delivery.stage != Stage.HANDED_OVER


@transaction.atomic
def milestone_add(
    *, actor: Any, delivery: Delivery, name: str, planned_start: Any, planned_end: Any
) -> Milestone:
    if not can_plan(actor, delivery):
        raise PermissionError_("您无权编排该项目的进度。/ You may not plan this project's schedule.")
    name = _text(name, "name", "节点名称", max_length=100)
    start = _required_date(planned_start, "planned_start")
    end = _required_date(planned_end, "planned_end")
    if end < start:
        raise ApplicationError(
            "计划完成不能早于计划开始。/ planned_end must not be before planned_start.", field="planned_end"
        )
    milestone = Milestone.objects.create(
        delivery=delivery, name=name, planned_start=start, planned_end=end, order=delivery.milestones.count()
    )
    audit_record(
        actor=actor,
        action="delivery.milestone.add",
        obj=delivery,
        changes={"milestone": name, "planned": [start.isoformat(), end.isoformat()]},
    )
    return milestone


@transaction.atomic
def milestone_progress(
    *, actor: Any, milestone: Milestone, actual_start: Any, actual_end: Any = None
) -> Milestone:
    """Record the actual start (and end) of a milestone; dates in order and not in the future."""
    milestone = (
        Milestone.objects.select_for_update()
        .select_related("delivery__project__division")
        .get(pk=milestone.pk)
    )
    if not can_plan(actor, milestone.delivery):
        raise PermissionError_("您无权登记该项目的进度。/ You may not record this project's progress.")
    start = _required_date(actual_start, "actual_start")
    end = parse_date(actual_end, "actual_end", required=False)
    today = timezone.localdate()
    if start > today:
        raise ApplicationError(
            "实际开始不能晚于今天。/ actual_start must not be in the future.", field="actual_start"
        )
    if end is not None and end < start:
        raise ApplicationError(
            "实际完成不能早于实际开始。/ actual_end must not be before actual_start.", field="actual_end"
        )
    if end is not None and end > today:
        raise ApplicationError(
            "实际完成不能晚于今天。/ actual_end must not be in the future.", field="actual_end"
        )
    milestone.actual_start = start
    milestone.actual_end = end
    milestone.save(update_fields=["actual_start", "actual_end"])
    audit_record(
        actor=actor,
        action="delivery.milestone.progress",
        obj=milestone.delivery,
        changes={
            "milestone": milestone.name,
            "actual": [start.isoformat(), end.isoformat() if end else None],
        },
    )
    return milestone
