"""Organisations (参建单位): registering a party by its unified social credit code, and linking the accounts that
speak for it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.delivery.models import Organisation, OrganisationKind, OrganisationMember
from gaizao.delivery.services._common import _choice, _text
from gaizao.delivery.services.permissions import OFFICER_ROLES
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.policy import delivery as rules


def can_manage_organisations(user: Any) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.role in OFFICER_ROLES and user.division_id
    )


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    name: str,
    credit_code: str,
    kind: str,
    contact: str = "",
    phone: str = "",
    is_sample: bool = False,
) -> Organisation:
    """Register a party. The unified social credit code is checked against its GB 32100-2015 check character."""
    if not can_manage_organisations(actor):
        raise PermissionError_("您无权登记参建单位。/ You may not register organisations.")
    name = _text(name, "name", "单位名称", max_length=200)
    code = str(credit_code or "").strip().upper()
    if not rules.is_valid_credit_code(code):
        raise ApplicationError(
            "统一社会信用代码无效（18 位，校验码须符合 GB 32100-2015）。/ credit_code: not a valid unified social "
            "credit code (18 characters with a GB 32100-2015 check character).",
            field="credit_code",
        )
    kind = _choice(kind, OrganisationKind, "kind", "单位类型")
    if Organisation.objects.filter(credit_code=code).exists():
        raise ApplicationError(
            "该统一社会信用代码已登记。/ credit_code: an organisation with this code is already registered.",
            field="credit_code",
        )
    organisation = Organisation.objects.create(
        name=name,
        credit_code=code,
        kind=kind,
        contact=_text(contact, "contact", "联系人", max_length=100, required=False),
        phone=_text(phone, "phone", "联系电话", max_length=20, required=False),
        is_sample=is_sample,
    )
    audit_record(actor=actor, action="delivery.organisation.create", obj=organisation, changes={"kind": kind})
    return organisation


@transaction.atomic
def organisation_member_link(*, actor: Any, user: Any, organisation: Organisation) -> OrganisationMember:
    """Link a contractor, supervisor or designer account to the organisation it speaks for."""
    if not can_manage_organisations(actor):
        raise PermissionError_("您无权管理单位账号。/ You may not link accounts to organisations.")
    if user.role not in (Role.CONTRACTOR, Role.SUPERVISOR, Role.DESIGNER):
        raise ApplicationError(
            "只有施工、监理、设计等参建单位账号可以关联单位。/ user: only contractor, supervisor or designer "
            "accounts are linked to an organisation.",
            field="user",
        )
    member, _ = OrganisationMember.objects.update_or_create(
        user=user, defaults={"organisation": organisation}
    )
    audit_record(
        actor=actor, action="delivery.organisation.member", obj=organisation, changes={"user": user.username}
    )
    return member
