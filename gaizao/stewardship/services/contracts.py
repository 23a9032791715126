"""Property service companies: their accounts and their service contracts with communities."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.delivery.models import Organisation, OrganisationKind
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.policy import delivery as delivery_rules
from gaizao.registry.models import Community
from gaizao.stewardship.models import ManagementMode, PropertyContract, StewardMember
from gaizao.stewardship.services._common import _choice, _day, _fee, _text
from gaizao.stewardship.services.ballot_gate import _ballot, require_ballot
from gaizao.stewardship.services.permissions import can_add_contract, can_link_member


@transaction.atomic
def steward_member_link(*, actor: Any, user: Any, organisation: Organisation) -> StewardMember:
    """Link a property service company's account to its company (it then sees only its communities)."""
    if not can_link_member(actor):
        raise PermissionError_("您无权管理物业企业账号。/ You may not link property company accounts.")
    if user.role != Role.PROPERTY_SERVICE:
        raise ApplicationError(
            "只有物业服务企业账号可以关联物业企业。/ user: only property service accounts are linked here.",
            field="user",
        )
    if organisation.kind != OrganisationKind.PROPERTY_SERVICE:
        raise ApplicationError(
            "请选择物业服务企业。/ organisation: choose a property service company.", field="organisation"
        )
    member, _ = StewardMember.objects.update_or_create(user=user, defaults={"organisation": organisation})
    audit_record(
        actor=actor, action="stewardship.member.link", obj=organisation, changes={"user": user.username}
    )
    return member


@transaction.atomic
def property_contract_create(
    *,
    actor: Any,
    community: Community,
    company: Organisation | None,
    number: str,
    starts_on: Any,
    ends_on: Any,
    fee_yuan_per_m2_month: Any,
    scope: str,
    mode: str = ManagementMode.PROFESSIONAL,
    ballot: Any = None,
    is_sample: bool = False,
) -> PropertyContract:
    """Record a property service contract. The company is a registered property service company (its credit code
    was checked against GB 32100-2015 when registered); a ballot, when given, must have chosen it (matter 4)."""
    if not can_add_contract(actor, community):
        raise PermissionError_("您无权登记物业服务合同。/ You may not record property contracts here.")
    if not isinstance(company, Organisation) or company.kind != OrganisationKind.PROPERTY_SERVICE:
        raise ApplicationError(
            "请选择已登记的物业服务企业。/ company: choose a registered property service company.",
            field="company",
        )
    if not delivery_rules.is_valid_credit_code(company.credit_code):
        raise ApplicationError(
            "该企业的统一社会信用代码无效。/ company: its unified social credit code is not valid.",
            field="company",
        )
    Community.objects.select_for_update().filter(pk=community.pk).first()  # serialise the overlap check
    number = _text(number, "number", "合同编号", max_length=60)
    if PropertyContract.objects.filter(number=number).exists():
        raise ApplicationError(
            "合同编号已存在。/ number: a contract with this number exists.", field="number"
        )
    start, end = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if end < start:
        raise ApplicationError(
            "结束日期不能早于开始日期。/ ends_on must not be before starts_on.", field="ends_on"
        )
    mode = _choice(mode, ManagementMode, "mode", "管理模式")
    chosen = _ballot(ballot)
    if chosen is not None:
        require_ballot(chosen, community=community, decision="fee")
    overlap = PropertyContract.objects.filter(community=community, starts_on__lte=end, ends_on__gte=start)
    if overlap.exists():
        raise ApplicationError(
            "该小区同一期间已有物业服务合同。/ starts_on: another contract covers this community in that period.",
            field="starts_on",
        )
    contract = PropertyContract.objects.create(
        community=community,
        company=company,
        mode=mode,
        number=number,
        starts_on=start,
        ends_on=end,
        fee_yuan_per_m2_month=_fee(fee_yuan_per_m2_month),
        scope=_text(scope, "scope", "服务范围"),
        ballot=chosen,
        created_by=actor,
        is_sample=is_sample,
    )
    audit_record(
        actor=actor,
        action="stewardship.contract.create",
        obj=contract,
        changes={"company": company.name, "community": community.code, "term": [str(start), str(end)]},
    )
    return contract
