"""Charts of the Word reports, drawn as PNG images with matplotlib (Agg, no display) in a CJK font.

The font is chosen deterministically: the family :data:`CJK_FAMILY` (Noto Sans CJK SC, Debian's
``fonts-noto-cjk``, installed by ``.ci/run`` and the deployment), looked up by matplotlib's font manager with no
fallback. When it is missing the report is refused with :class:`ChartFontMissing` — never drawn in a font that
shows the Chinese labels as empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any

from gaizao.errors import ApplicationError

CJK_FAMILY = "Noto Sans CJK SC"
#: a colour per series, the same in every report
COLOURS = ("#2f6fb0", "#e08a2c", "#4b9a5b", "#b04a4a", "#7a5aa6")


class ChartFontMissing(ApplicationError):
    status = 500
    code = "chart_font_missing"


@cache
def cjk_font_path() -> str:
    """The file of :data:`CJK_FAMILY`, as matplotlib's font manager finds it (no fallback to another font)."""
    from matplotlib import font_manager

    try:
        return str(
            font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False)
        )
    except ValueError:
        raise ChartFontMissing(
            f"图表所需中文字体 {CJK_FAMILY} 未安装（Debian 软件包 fonts-noto-cjk）。/ The charts need the font "
            f"{CJK_FAMILY} (Debian package fonts-noto-cjk); it is not installed.",
            field="font",
        ) from None


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    cjk_font_path()
    figure = Figure(figsize=(width, height), dpi=150)
    axes = figure.add_subplot()
    font = FontProperties(family=CJK_FAMILY, size=9)
    axes.tick_params(labelsize=8)
    return figure, (axes, font)


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.tight_layout()
    figure.savefig(out, format="png")
    return out.getvalue()


def _style(axes: Any, font: Any, *, title: str, ylabel: str, labels: Sequence[str]) -> None:
    axes.set_title(title, fontproperties=font)
    axes.set_ylabel(ylabel, fontproperties=font)
    for label in axes.get_xticklabels():
        label.set_fontproperties(font)
    axes.grid(axis="y", alpha=0.3)
    if labels:
        axes.legend(prop=font, fontsize=8)


def grouped_bars(
    title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, ylabel: str
) -> bytes:
    """Bars per category, one bar per series side by side (e.g. target, actual)."""
    figure, (axes, font) = _figure(6.2, 3.2)
    n = max(len(series), 1)
    width = 0.8 / n
    xs = list(range(len(categories)))
    for i, (name, values) in enumerate(series):
        axes.bar(
            [x - 0.4 + width * (i + 0.5) for x in xs],
            [float(v) for v in values],
            width,
            label=name,
            color=COLOURS[i % len(COLOURS)],
        )
    axes.set_xticks(xs, list(categories))
    _style(axes, font, title=title, ylabel=ylabel, labels=[s[0] for s in series])
    return _png(figure)


def ratio_bars(title: str, categories: Sequence[str], ratios: Sequence[float | None]) -> bytes:
    """Horizontal bars of ratios in per cent with a 100 % line (e.g. completion, budget execution)."""
    figure, (axes, font) = _figure(6.2, 0.45 * max(len(categories), 2) + 1.0)
    values = [100 * float(r) if r is not None else 0.0 for r in ratios]
    ys = list(range(len(categories)))
    axes.barh(ys, values, color=[COLOURS[0] if v >= 100 else COLOURS[1] for v in values])
    axes.axvline(100, color="#555555", linewidth=0.8, linestyle="--")
    axes.set_yticks(ys, list(categories))
    for label in axes.get_yticklabels():
        label.set_fontproperties(font)
    for y, v, r in zip(ys, values, ratios, strict=True):
        axes.text(v + 1, y, "—" if r is None else f"{v:.0f}%", va="center", fontproperties=font)
    axes.invert_yaxis()
    axes.set_title(title, fontproperties=font)
    axes.set_xlabel("%", fontproperties=font)
    axes.set_xlim(0, max([110.0] + [v + 15 for v in values]))
    return _png(figure)
