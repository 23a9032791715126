"""Checks of uploaded files by their content (magic bytes), not their names: Pillow is not installed, and a name
proves nothing. Each refusal names the field."""

from __future__ import annotations

from typing import Any

from gaizao.errors import ApplicationError

#: Photos of findings and rectification evidence.
PHOTO_MAX_BYTES = 8 * 1024 * 1024
#: Approval documents (scans or PDFs).
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024

_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_DOCUMENT_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "docx/xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc/xls"),
)


def _head(upload: Any) -> bytes:
    upload.seek(0)
    head = bytes(upload.read(16))
    upload.seek(0)
    return head


def image_kind(head: bytes) -> str | None:
    """``jpeg``, ``png``, ``gif`` or ``webp`` by the first bytes, or None."""
    for signature, kind in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def check_photo(upload: Any, *, field: str, required: bool = False) -> None:
    """Refuse a photo that is missing (when required), not a JPEG/PNG/GIF/WebP image, or over the size limit."""
    if upload is None:
        if required:
            raise ApplicationError(f"请上传照片。/ {field}: a photo is required.", field=field)
        return
    if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
        raise ApplicationError(
            f"照片不得超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB。/ {field}: the photo is larger than "
            f"{PHOTO_MAX_BYTES // (1024 * 1024)} MB.",
            field=field,
        )
    if image_kind(_head(upload)) is None:
        raise ApplicationError(
            f"照片须为 JPEG、PNG、GIF 或 WebP 图片。/ {field}: the file is not a JPEG, PNG, GIF or WebP image.",
            field=field,
        )


def check_document(upload: Any, *, field: str) -> None:
    """Refuse a document that is not a PDF, an image or an Office file, or is over the size limit."""
    if upload is None:
        return
    if upload.size is not None and upload.size > DOCUMENT_MAX_BYTES:
        raise ApplicationError(
            f"附件不得超过 {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB。/ {field}: the file is larger than "
            f"{DOCUMENT_MAX_BYTES // (1024 * 1024)} MB.",
            field=field,
        )
    head = _head(upload)
    if image_kind(head) is None and not any(head.startswith(sig) for sig, _ in _DOCUMENT_SIGNATURES):
        raise ApplicationError(
            "附件须为 PDF、图片或 Office 文件。/ "
            f"{field}: the file is not a PDF, an image or an Office document.",
            field=field,
        )
