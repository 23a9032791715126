"""The joint completion acceptance (竣工验收), item by item against the approved plan version."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.delivery.models import Acceptance, AcceptanceRole, AcceptanceSignatory, Delivery, Stage
from gaizao.delivery.services._common import _choice, _lock, _required_date, _text, parse_quantity
from gaizao.delivery.services.machines import STAGE_MACHINE
from gaizao.delivery.services.permissions import _require_officer
from gaizao.delivery.services.stages import _refuse, approved_plan_version, stage_blockers
from gaizao.errors import ApplicationError

#: Who must sign the completion acceptance (residents' representatives: at least one of the two).
ACCEPTANCE_REQUIRED_ROLES = (
    AcceptanceRole.IMPLEMENTING,
    AcceptanceRole.CONTRACTOR,
    AcceptanceRole.SUPERVISOR,
    AcceptanceRole.STREET,
)

RESIDENT_ROLES = frozenset({AcceptanceRole.RESIDENT, AcceptanceRole.BUILDING_LEAD})


def assessed_items(
    planned_items: list[dict[str, Any]], items: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The acceptance's rows: one per item of the plan version (``planned_items``), in its order. Reads nothing.

    ``items`` are the assessments (``{"item_id", "delivered", "passed", "note"}``); an item of the plan not
    assessed, a delivered quantity that is not a non-negative number, or an assessment of an item the plan does not
    have is refused.
    """
    given = {str(row.get("item_id")): row for row in items or []}
    rows: list[dict[str, Any]] = []
    for i, planned in enumerate(planned_items):
        item_id = planned["item_id"]
        row = given.pop(item_id, None)
        if row is None:
            raise ApplicationError(
                f"缺少改造内容“{planned.get('name_zh', item_id)}”的验收结果。/ items: {item_id} is not assessed.",
                field=f"items[{i}]",
            )
        delivered = parse_quantity(row.get("delivered"), f"items[{i}].delivered")
        rows.append(
            {
                "item_id": item_id,
                "name": planned.get("name_zh", item_id),
                "unit": planned.get("unit", ""),
                "planned": str(planned.get("quantity", "0")),
                "delivered": str(delivered),
                "passed": bool(row.get("passed")),
                "note": str(row.get("note") or "")[:500],
            }
        )
    if given:
        raise ApplicationError(
            f"验收内容不在批准的方案中：{'、'.join(sorted(given))}。/ items: not in the approved plan.",
            field="items",
        )
    return rows


def joint_signatories(signatories: list[dict[str, Any]] | None) -> list[tuple[str, str, str]]:
    """``(role, name, organisation)`` of each signatory, in order. Reads nothing.

    Refuses a joint acceptance without the implementing body, contractor, supervisor, street and at least one
    resident representative or building lead.
    """
    people: list[tuple[str, str, str]] = []
    for i, person in enumerate(signatories or []):
        role = _choice(person.get("role"), AcceptanceRole, f"signatories[{i}].role", "参加方")
        name = _text(person.get("name"), f"signatories[{i}].name", "姓名", max_length=100)
        people.append((role, name, str(person.get("organisation") or "")[:200]))
    roles = {p[0] for p in people}
    missing = [
        str(AcceptanceRole(r).label).split(" / ")[0] for r in ACCEPTANCE_REQUIRED_ROLES if r not in roles
    ]
    if not roles & RESIDENT_ROLES:
        missing.append("居民代表或楼道长")
    if missing:
        raise ApplicationError(
            f"联合验收缺少：{'、'.join(missing)}。/ signatories: the joint acceptance needs the implementing body, "
            "contractor, supervisor, street and resident representatives.",
            field="signatories",
        )
    return people


@transaction.atomic
def acceptance_record(
    *,
    actor: Any,
    delivery: Delivery,
    held_on: Any,
    items: list[dict[str, Any]],
    signatories: list[dict[str, Any]],
    conclusion: str,
) -> Acceptance:
    """Record the joint completion acceptance item by item against the approved plan version; moves to 竣工验收.

    ``items``: ``[{"item_id", "delivered", "passed", "note"}]`` covering every item of the plan version.
    ``signatories``: ``[{"role", "name", "organisation"}]`` with the implementing body, contractor, supervisor,
    street and at least one resident representative or building lead.
    """
    delivery = _lock(delivery)
    _require_officer(actor, delivery)
    _refuse(stage_blockers(delivery, Stage.ACCEPTED))
    version = approved_plan_version(delivery)
    if version is None:
        raise ApplicationError(
            "项目没有改造方案版本。/ plan_version: the project has no plan version.", field="items"
        )
    day = _required_date(held_on, "held_on")
    if day > timezone.localdate():
        raise ApplicationError("验收日期不能晚于今天。/ held_on must not be in the future.", field="held_on")
    conclusion = _text(conclusion, "conclusion", "验收结论")
    rows = assessed_items(version.items, items)
    people = joint_signatories(signatories)
    acceptance = Acceptance.objects.create(
        delivery=delivery,
        plan_version=version,
        held_on=day,
        items=rows,
        conclusion=conclusion,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    for order, (role, name, organisation) in enumerate(people):
        AcceptanceSignatory.objects.create(
            acceptance=acceptance, role=role, name=name, organisation=organisation, order=order
        )
    delivery.stage_changed_at = timezone.now()
    STAGE_MACHINE.move(
        delivery,
        to=Stage.ACCEPTED,
        actor=actor,
        reason=conclusion,
        changes={"on": day.isoformat(), "acceptance": acceptance.pk, "plan_version": version.number},
        update_fields=["stage_changed_at"],
    )
    return acceptance
