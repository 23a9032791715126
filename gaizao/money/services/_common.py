"""Private helpers shared by the money services: the clauses they cite, the input guards every write runs first, and
the sums and look-ups more than one aggregate needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum

from gaizao.errors import ApplicationError, PermissionError_
from gaizao.policy import funding_sources
from gaizao.programme.models import Project

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
CLAUSE_FUNDS = "杭政办函〔2022〕10号 三(三)"
CLAUSE_SUBSIDY = "杭政办函〔2022〕10号 三(三)2"
CLAUSE_RESIDENTS = "杭政办函〔2022〕10号 三(三)4；民法典 第283条"
UPLOAD_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".doc", ".docx", ".ofd")


def money(value: Any, field: str, *, allow_negative: bool = False, allow_zero: bool = False) -> Decimal:
    """``value`` as yuan to the fen; refuses text, more than two decimals and (unless allowed) zero or negative."""
    try:
        out = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            f"“{field}”不是有效金额：{value!r}。/ {field}: not an amount: {value!r}.", field=field
        ) from None
    if not out.is_finite():
        raise ApplicationError(f"“{field}”不是有效金额。/ {field}: not a finite amount.", field=field)
    if out != out.quantize(FEN):
        raise ApplicationError(
            f"“{field}”金额 {out} 超过两位小数，金额精确到分。/ {field}: {out} has more than two decimal places "
            "(amounts are yuan to the fen).",
            field=field,
            code="precision",
        )
    if out < 0 and not allow_negative:
        raise ApplicationError(f"“{field}”不能为负数。/ {field} must not be negative.", field=field)
    if out == 0 and not allow_zero:
        raise ApplicationError(f"“{field}”不能为零。/ {field} must not be zero.", field=field)
    return out.quantize(FEN)


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError(
            f"“{field}”不是有效日期。/ {field}: not a date (YYYY-MM-DD).", field=field
        ) from None


def _text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(f"请填写{label}。/ {field} is required.", field=field)
    return value


def source_ids(on: dt.date | None = None) -> tuple[str, ...]:
    return tuple(c.id for c in funding_sources(on))


def _source(value: str, on: dt.date) -> str:
    if value not in source_ids(on):
        raise ApplicationError(
            f"资金来源“{value}”不在规则集的资金来源中（{CLAUSE_FUNDS}）。/ source: {value!r} is not a funding source "
            "of the rule set.",
            field="source",
        )
    return value


def _check_upload(upload: UploadedFile | None, field: str) -> None:
    if upload is None:
        return
    if not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
        raise ApplicationError(
            f"附件须为 PDF、图片、Excel、Word 或 OFD 文件。/ {field} must be a PDF, image, Excel, Word or OFD file.",
            field=field,
        )
    if upload.size and upload.size > 20 * 1024 * 1024:
        raise ApplicationError(f"附件不得超过 20 MB。/ {field} must not exceed 20 MB.", field=field)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionError_("您无权执行此资金操作。/ You may not do this money operation.")


def _net(qs: Any) -> Decimal:
    """Sum of ``amount`` over ``qs`` to the fen (SQLite returns sums without their scale)."""
    return Decimal(qs.aggregate(total=Sum("amount"))["total"] or 0).quantize(FEN)


def _project_community(project: Project, community_id: Any) -> Any:
    if community_id in (None, ""):
        return None
    community = project.communities.filter(pk=community_id).first()
    if community is None:
        raise ApplicationError(
            "该小区不属于本项目。/ community: the community is not part of this project.", field="community"
        )
    return community
