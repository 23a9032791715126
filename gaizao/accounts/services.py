"""Writes of accounts and tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gaizao.accounts.models import ApiToken, Notice, User
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, NotFoundError


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError("令牌名称必填。/ The token name is required.", field="name")
    raw = ApiToken.new_raw()
    ttl = settings.API_TOKEN_TTL_DAYS
    expires_at = timezone.now() + dt.timedelta(days=ttl) if ttl > 0 else None
    token = ApiToken.objects.create(
        user=user, name=name[:100], digest=ApiToken.digest_of(raw), prefix=raw[:8], expires_at=expires_at
    )
    audit_record(actor=user, action="token_create", obj=token, changes={"name": [None, token.name]})
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFoundError("令牌不存在。/ Token not found.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=user, action="token_revoke", obj=token)


def notice_send(*, user: User, kind: str, text: str, link: str = "") -> Notice:
    """Leave a notice for ``user`` (shown on their own pages). Call inside the service that acts on their behalf."""
    return Notice.objects.create(user=user, kind=kind[:40], text=text, link=link[:200])
