"""Bilingual text: Chinese by default, English when the user switches (``tr("中文", "English")``)."""

from __future__ import annotations

from django.utils import translation


def is_english() -> bool:
    return (translation.get_language() or "zh-hans").startswith("en")


def tr(zh: str, en: str) -> str:
    return en if is_english() else zh
