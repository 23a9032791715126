"""Helpers shared by the participation services: retries, uploads, the owner an account votes as and the
ballot lock."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, transaction

from gaizao.accounts.access import require_write
from gaizao.accounts.models import Role, User
from gaizao.errors import ApplicationError, NotFoundError, PermissionError_
from gaizao.participation.models import Ballot
from gaizao.registry.models import Community, Owner, Unit

T = TypeVar("T")
DEVELOPER_KEY = "developer"
UPLOAD_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".pdf", ".heic")


class RaceLost(Exception):
    """A write found that what it read had changed meanwhile (and wrote nothing); ``with_retry`` runs it again."""


def with_retry(fn: Callable[[], T], *, attempts: int = 8) -> T:
    """Run an atomic write again when the database reports a lock or a lost race (two devices at one moment)."""
    for attempt in range(attempts):
        try:
            return fn()
        except (OperationalError, IntegrityError, RaceLost):
            if transaction.get_connection().in_atomic_block or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1) + secrets.randbelow(20) / 1000)
    raise AssertionError("unreachable")


def _check_upload(upload: UploadedFile | None, field: str, label_zh: str, label_en: str) -> None:
    if upload is None:
        return
    name = (upload.name or "").lower()
    if not name.endswith(UPLOAD_SUFFIXES):
        raise ApplicationError(
            f"{label_zh}须为图片或 PDF 文件。/ {label_en} must be an image or a PDF file.", field=field
        )
    limit = settings.UPLOAD_LIMITS["photo" if field == "photo" else "ballot_scan"]
    if upload.size and upload.size > limit:
        mb = limit // (1024 * 1024)
        raise ApplicationError(
            f"{label_zh}不得超过 {mb} MB。/ {label_en} must not exceed {mb} MB.", field=field
        )


def stored_name(prefix: str, upload_name: str | None) -> str:
    """The name an upload is stored under: ``prefix``, at most 30 characters of the original name and its suffix.

    The original name can be 255 bytes and more (a long Chinese file name), which overflowed the file field
    (100 characters, PostgreSQL refuses) and the file system's name limit (a 500)."""
    from pathlib import PurePath

    pure = PurePath((upload_name or "upload").replace("\\", "/")).name
    suffix = PurePath(pure).suffix.lower()[:10]
    stem = (
        "".join(ch for ch in pure[: len(pure) - len(suffix)] if ch.isalnum() or ch in "-_")[:30] or "upload"
    )
    return f"{prefix}-{stem}{suffix}"


def owner_of(user: Any) -> Owner | None:
    """The registry owner an account votes as (residents only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.role != Role.RESIDENT:
        return None
    return Owner.objects.filter(user=user).first()


def _owner_communities(owner: Owner) -> set[int]:
    return set(Unit.objects.filter(owner=owner).values_list("building__community_id", flat=True))


def _locked_ballot(ballot_id: int) -> Ballot:
    ballot = (
        Ballot.objects.select_for_update(of=("self",))
        .select_related("community__division", "building")
        .filter(pk=ballot_id)
        .first()
    )
    if ballot is None:
        raise NotFoundError("表决不存在。/ Ballot not found.")
    return ballot


def _community_for_write(actor: User, community_id: int) -> Community:
    community = Community.objects.select_related("division").filter(pk=community_id).first()
    if community is None:
        raise NotFoundError("小区不存在。/ Community not found.")
    require_write(actor, community.division)
    return community


def _require_owner_in(actor: User, community_id: int) -> Owner:
    owner = owner_of(actor)
    if owner is None or community_id not in _owner_communities(owner):
        raise PermissionError_("只有本小区业主可以参与。/ Only owners of this community may take part.")
    return owner
