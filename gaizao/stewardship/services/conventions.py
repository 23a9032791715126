"""Conventions a community adopted (管理规约, 居民公约 …), with their text."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gaizao.audit.services import audit_record
from gaizao.delivery.uploads import check_document
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.registry.models import Community
from gaizao.stewardship.models import Convention, ConventionKind
from gaizao.stewardship.services._common import _choice, _day, _not_future, _text
from gaizao.stewardship.services.ballot_gate import _ballot, require_ballot
from gaizao.stewardship.services.permissions import can_keep


@transaction.atomic
def convention_adopt(
    *,
    actor: Any,
    community: Community,
    kind: str,
    title: str,
    file: Any,
    adopted_on: Any,
    ballot: Any = None,
    is_sample: bool = False,
) -> Convention:
    """Record an adopted convention with its text. 管理规约 needs the owners' matter-2 ballot that adopted it."""
    if not can_keep(actor, community):
        raise PermissionError_("您无权登记公约规约。/ You may not record conventions here.")
    kind = _choice(kind, ConventionKind, "kind", "类型")
    title = _text(title, "title", "标题", max_length=200)
    if file is None:
        raise ApplicationError("请上传公约文本。/ file: the adopted text is required.", field="file")
    check_document(file, field="file")
    day = _day(adopted_on, "adopted_on")
    _not_future(day, "adopted_on")
    chosen = _ballot(ballot)
    if kind == ConventionKind.MANAGEMENT_RULES:
        require_ballot(chosen, community=community, decision="management_rules")
    elif chosen is not None and chosen.community_id != community.pk:
        raise ApplicationError("表决不属于本小区。/ ballot: not a ballot of this community.", field="ballot")
    convention = Convention(
        community=community,
        kind=kind,
        title=title,
        adopted_on=day,
        ballot=chosen,
        recorded_by=actor,
        is_sample=is_sample,
    )
    convention.file.save(f"convention-{community.pk}-{file.name}", file, save=False)
    convention.save()
    audit_record(
        actor=actor,
        action="stewardship.convention.adopt",
        obj=community,
        changes={"kind": kind, "title": title, "ballot": convention.ballot_id},
    )
    return convention
