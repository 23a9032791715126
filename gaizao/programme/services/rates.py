"""Unit rates of catalogue items: the city default and districts' own."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from django.db import transaction

from gaizao.accounts.access import require_role, require_write
from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError
from gaizao.programme.models import UnitRate
from gaizao.programme.services._common import FEN, _decimal


@transaction.atomic
def unit_rate_set(
    *, actor: Any, division: Division, item_id: str, rate: Any, is_sample: bool = False
) -> UnitRate:
    """Set the city default (city coordinator) or a district's own rate (its officer) for a catalogue item."""
    from gaizao.policy import PolicyInputError
    from gaizao.policy.catalogue import catalogue_item

    if actor is not None:
        require_role(actor, Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER)
        require_write(actor, division)
    try:
        item = catalogue_item(item_id)
    except PolicyInputError as exc:
        raise ApplicationError(f"改造内容“{item_id}”不在目录中。/ item_id: {exc}", field="item_id") from exc
    value = _decimal(rate, "rate").quantize(FEN, rounding=ROUND_HALF_UP)
    row, _ = UnitRate.objects.update_or_create(
        division=division,
        item_id=item_id,
        defaults={"rate": value, "unit": item.unit, "is_sample": is_sample},
    )
    audit_record(actor=actor, action="unit_rate.set", obj=row, changes={"rate": value})
    return row
