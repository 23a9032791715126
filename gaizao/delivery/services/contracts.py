"""Contracts of the project: kind, unique number, party, amount to the fen and dates in order."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from gaizao.audit.services import audit_record
from gaizao.delivery.models import Contract, ContractKind, Delivery, Organisation, OrganisationKind, Stage
from gaizao.delivery.services._common import _choice, _required_date, _text, parse_amount
from gaizao.delivery.services.permissions import is_officer_for
from gaizao.errors import ApplicationError, PermissionError_

UTILITY_KINDS = frozenset(
    {
        ContractKind.UTILITY_WATER,
        ContractKind.UTILITY_POWER,
        ContractKind.UTILITY_GAS,
        ContractKind.UTILITY_TELECOM,
    }
)


def can_add_contract(user: Any, delivery: Delivery) -> bool:
    return is_officer_for(user, delivery) and delivery.stage != Stage.HANDED_OVER


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    delivery: Delivery,
    kind: str,
    number: str,
    party: Organisation | None,
    amount: Any,
    signed_on: Any,
    starts_on: Any,
    ends_on: Any,
    title: str = "",
    is_sample: bool = False,
) -> Contract:
    """Record a contract of the project: kind, unique number, party, amount to the fen, dates in order."""
    if not can_add_contract(actor, delivery):
        raise PermissionError_("您无权登记该项目的合同。/ You may not record contracts of this project.")
    kind = _choice(kind, ContractKind, "kind", "合同类型")
    number = _text(number, "number", "合同编号", max_length=60)
    if party is None:
        raise ApplicationError("请选择承接单位。/ party is required.", field="party")
    if kind in UTILITY_KINDS and party.kind != OrganisationKind.UTILITY:
        raise ApplicationError(
            "管线子工程的承接单位须为管线单位。/ party: a pipeline sub-works contract goes to a utility.",
            field="party",
        )
    value = parse_amount(amount, "amount")
    signed = _required_date(signed_on, "signed_on")
    starts = _required_date(starts_on, "starts_on")
    ends = _required_date(ends_on, "ends_on")
    if starts < signed:
        raise ApplicationError(
            "开始日期不能早于签订日期。/ starts_on must not be before signed_on.", field="starts_on"
        )
    if ends < starts:
        raise ApplicationError(
            "结束日期不能早于开始日期。/ ends_on must not be before starts_on.", field="ends_on"
        )
    if Contract.objects.filter(number=number).exists():
        raise ApplicationError(
            "合同编号已存在。/ number: a contract with this number exists.", field="number"
        )
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                project=delivery.project,
                kind=kind,
                number=number,
                title=_text(title, "title", "合同名称", max_length=200, required=False),
                party=party,
                amount=value,
                signed_on=signed,
                starts_on=starts,
                ends_on=ends,
                created_by=actor,
                is_sample=is_sample,
            )
    except IntegrityError:
        raise ApplicationError(
            "合同编号已存在。/ number: a contract with this number exists.", field="number"
        ) from None
    audit_record(
        actor=actor,
        action="delivery.contract.create",
        obj=delivery,
        changes={"contract": number, "kind": kind, "party": party.name, "amount": str(value)},
    )
    return contract
