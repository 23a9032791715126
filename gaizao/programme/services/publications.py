"""The public notice of a finalised plan (公示, 四(三))."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.accounts import throttle
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, RateLimitError, StateError
from gaizao.programme.models import (
    Plan,
    PlanState,
    Project,
    Publication,
    PublicationComment,
    PublicationState,
)
from gaizao.programme.services._common import _now, _policy_rules, _require_officer
from gaizao.programme.services.machines import PUBLICATION_MACHINE


@transaction.atomic
def publication_start(
    *, actor: Any, project: Project, days: int = 7, now: dt.datetime | None = None
) -> Publication:
    """Publish the finalised plan on the public pages for ``days`` days (公示, 四(三))."""
    now = _now(now)
    _require_officer(actor, project.division)
    try:
        days = int(days)
    except (TypeError, ValueError) as exc:
        raise ApplicationError("公示天数须为整数。/ days: a whole number of days.", field="days") from exc
    minimum = _policy_rules(timezone.localtime(now).date()).programme.publication_min_days
    if not minimum.value <= days <= 90:
        raise ApplicationError(
            f"公示天数须在 {minimum.value} 至 90 天之间，{days} 天不足规定的最短公示期（{minimum.clause}）。/ days: the "
            f"publication period must be {minimum.value} to 90 days; {days} is refused ({minimum.clause}).",
            field="days",
            code="publication.too_short",
        )
    plan = Plan.objects.get(project=project)
    if plan.state != PlanState.FINALISED or plan.current_version is None:
        raise StateError(
            "只能公示已定稿的方案。/ plan: only a finalised plan can be published.", field="plan"
        )
    if project.publications.filter(state=PublicationState.OPEN, ends_at__gt=now).exists():
        raise StateError("该项目已有公示正在进行。/ publication: one is already running for this project.")
    publication = Publication.objects.create(
        project=project,
        plan_version=plan.current_version,
        days=days,
        starts_at=now,
        ends_at=now + dt.timedelta(days=days),
        published_by=actor,
    )
    audit_record(
        actor=actor,
        action="publication.open",
        obj=publication,
        changes={"days": days, "version": plan.current_version.number},
    )
    return publication


@transaction.atomic
def publication_comment_add(
    *,
    publication: Publication,
    name: str,
    contact: str,
    body: str,
    client: str = "",
    now: dt.datetime | None = None,
) -> PublicationComment:
    """Anyone may comment on an open publication with a name and a contact (shown masked).

    The page and the API pass the ``client`` address: each address may comment ``ANONYMOUS_WRITES_PER_CLIENT``
    times per window (the logins' atomic counter), so nobody can flood a publication."""
    now = _now(now)
    if client and not throttle.anonymous_write("comment", client):
        raise RateLimitError(
            "意见提交过于频繁，请稍后再试。/ Too many comments from this address; try again later.",
            field="body",
        )
    if publication.state != PublicationState.OPEN or publication.is_finished(now):
        raise StateError("公示已结束，不能再提意见。/ publication: the period is over.", field="body")
    for field, value, zh in (
        ("name", name, "姓名"),
        ("contact", contact, "联系方式"),
        ("body", body, "意见"),
    ):
        if not value.strip():
            raise ApplicationError(f"请填写{zh}。/ {field} is required.", field=field)
    comment = PublicationComment.objects.create(
        publication=publication,
        name=name.strip()[:100],
        contact=contact.strip()[:100],
        body=body.strip()[:4000],
        created_at=now,
    )
    audit_record(actor=None, action="publication.comment", obj=publication, changes={"comment": comment.pk})
    return comment


@transaction.atomic
def publication_comment_reply(
    *, actor: Any, comment: PublicationComment, reply: str, now: dt.datetime | None = None
) -> PublicationComment:
    now = _now(now)
    _require_officer(actor, comment.publication.project.division)
    if not reply.strip():
        raise ApplicationError("请填写答复。/ reply is required.", field="reply")
    comment.reply = reply.strip()
    comment.replied_by = actor
    comment.replied_at = now
    comment.save()
    audit_record(
        actor=actor, action="publication.reply", obj=comment.publication, changes={"comment": comment.pk}
    )
    return comment


@transaction.atomic
def publication_finish(
    *, actor: Any, publication: Publication, now: dt.datetime | None = None
) -> Publication:
    now = _now(now)
    if not publication.is_finished(now):
        raise StateError("公示期未满。/ publication: the period has not ended yet.")
    PUBLICATION_MACHINE.move(
        publication,
        to=PublicationState.FINISHED,
        actor=actor,
    )
    return publication


@transaction.atomic
def publication_withdraw(*, actor: Any, publication: Publication, reason: str = "") -> Publication:
    _require_officer(actor, publication.project.division)
    PUBLICATION_MACHINE.move(
        publication,
        to=PublicationState.WITHDRAWN,
        actor=actor,
        reason=reason,
    )
    return publication
