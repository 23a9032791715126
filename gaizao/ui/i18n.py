"""Bilingual text: Chinese by default, English when the user switches (``tr("中文", "English")``)."""

from __future__ import annotations

import re

from django.utils import translation

#: the separator of a "中文 / English" text: " / ", or "/ " right after Chinese text or punctuation ("已撤销。/ Revoked.")
_SEPARATOR = re.compile(r"\s+/\s+|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])/\s+")


def is_english() -> bool:
    return (translation.get_language() or "zh-hans").startswith("en")


def tr(zh: str, en: str) -> str:
    return en if is_english() else zh


_CJK = re.compile(r"[\u4e00-\u9fff]")


def split_bilingual(text: str) -> tuple[str, str]:
    """``"令牌已撤销。/ Token revoked."`` → ``("令牌已撤销。", "Token revoked.")``; text without a separator is both.

    A Chinese sentence may itself hold bilingual labels ("付款 / payment金额超过… / amount: …"), so the split is at the
    first separator whose remainder has no Chinese characters, else at the last separator.
    """
    matches = list(_SEPARATOR.finditer(text))
    if not matches:
        return text, text
    match = next((m for m in matches if not _CJK.search(text[m.end() :])), matches[-1])
    return text[: match.start()].rstrip(), text[match.end() :].strip()


def in_language(text: str) -> str:
    """The half of a "中文 / English" text in the active language."""
    zh, en = split_bilingual(text)
    return tr(zh, en)
