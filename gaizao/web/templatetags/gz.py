"""Template helpers: ``{% t "中文" "English" %}`` picks the active language; ``|bi`` splits "中文 / English"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from gaizao.ui.i18n import in_language, tr

register = template.Library()


@register.simple_tag
def t(zh: str, en: str) -> str:
    return tr(zh, en)


@register.filter
def bi(value: Any) -> str:
    """``"小区 / community"`` (or ``"已撤销。/ Revoked."``) → the half in the active language."""
    return in_language(str(value))


@register.simple_tag
def sample_badge(is_sample: bool) -> str:
    if not is_sample:
        return ""
    return format_html(
        '<span class="badge badge-sample" title="{}">{}</span>',
        tr("由系统生成的演示数据", "generated demo data"),
        tr("示例数据", "sample data"),
    )
