"""Handovers (移交): facilities and pipelines handed to their keepers with the property-rights note (三(四))."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.delivery.models import Delivery, Handover, HandoverKind, KeeperKind, Organisation, Stage
from gaizao.delivery.services._common import _choice, _lock, _required_date, _text
from gaizao.delivery.services.permissions import is_officer_for
from gaizao.errors import ApplicationError, PermissionError_, StateError


def can_record_handover(user: Any, delivery: Delivery) -> bool:
    return is_officer_for(user, delivery) and delivery.stage == Stage.ACCEPTED


@transaction.atomic
def handover_record(
    *,
    actor: Any,
    delivery: Delivery,
    kind: str,
    facility: str,
    keeper_kind: str,
    keeper_name: str = "",
    keeper: Organisation | None = None,
    property_rights_note: str,
    handed_on: Any,
) -> Handover:
    """Record a facility or pipeline handed to its keeper, with the property-rights note (三(四))."""
    delivery = _lock(delivery)
    if not can_record_handover(actor, delivery):
        if delivery.stage != Stage.ACCEPTED:
            raise StateError(
                "竣工验收后才能移交。/ stage: hand over after the completion acceptance.", field="stage"
            )
        raise PermissionError_("您无权登记移交。/ You may not record handovers.")
    kind = _choice(kind, HandoverKind, "kind", "类型")
    facility = _text(facility, "facility", "设施名称", max_length=200)
    keeper_kind = _choice(keeper_kind, KeeperKind, "keeper_kind", "接收方类型")
    name = _text(keeper_name or (keeper.name if keeper else ""), "keeper_name", "接收方名称", max_length=200)
    note = _text(property_rights_note, "property_rights_note", "产权说明")
    day = _required_date(handed_on, "handed_on")
    if day > timezone.localdate():
        raise ApplicationError(
            "移交日期不能晚于今天。/ handed_on must not be in the future.", field="handed_on"
        )
    acceptance = getattr(delivery, "acceptance", None)
    if acceptance is not None and day < acceptance.held_on:
        raise ApplicationError(
            "移交日期不能早于竣工验收日期。/ handed_on must not be before the acceptance.", field="handed_on"
        )
    handover = Handover.objects.create(
        delivery=delivery,
        kind=kind,
        facility=facility,
        keeper_kind=keeper_kind,
        keeper=keeper,
        keeper_name=name,
        property_rights_note=note,
        handed_on=day,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="delivery.handover.record",
        obj=delivery,
        changes={"facility": facility, "keeper": name, "keeper_kind": keeper_kind},
        reason=note,
    )
    return handover
