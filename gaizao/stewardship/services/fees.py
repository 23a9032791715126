"""Property fee collection: a community's monthly fee billed and collected."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gaizao.audit.services import audit_record
from gaizao.delivery.services import parse_amount
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.registry.models import Community
from gaizao.stewardship.models import FeeCollection
from gaizao.stewardship.services._common import _day, _not_future
from gaizao.stewardship.services.permissions import can_record_fees


@transaction.atomic
def fee_collection_record(
    *, actor: Any, community: Community, month: Any, billed: Any, collected: Any, is_sample: bool = False
) -> FeeCollection:
    """Record (or correct) a month's property fee billed and collected; by the keepers or the serving company."""
    if not can_record_fees(actor, community):
        raise PermissionError_("您无权登记该小区的物业费收缴。/ You may not record this community's fees.")
    day = _day(month, "month").replace(day=1)
    _not_future(day, "month")
    billed_v, collected_v = parse_amount(billed, "billed"), parse_amount(collected, "collected")
    if billed_v <= 0:
        raise ApplicationError("应收金额须大于零。/ billed must be greater than zero.", field="billed")
    if collected_v > billed_v:
        raise ApplicationError("实收不能超过应收。/ collected must not exceed billed.", field="collected")
    row, _ = FeeCollection.objects.update_or_create(
        community=community,
        month=day,
        defaults={"billed": billed_v, "collected": collected_v, "recorded_by": actor, "is_sample": is_sample},
    )
    audit_record(
        actor=actor,
        action="stewardship.fee.record",
        obj=community,
        changes={"month": day.isoformat(), "billed": str(billed_v), "collected": str(collected_v)},
    )
    return row
