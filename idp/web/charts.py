"""Small inline SVG charts for the dashboard: bars or a line over days, with an accessible
name and a table of the same numbers beside them. No script, nothing from outside."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 420, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 28


@dataclass
class Series:
    """One chart: its title, the day labels and one value per day (NaN: no data)."""

    key: str
    title: str
    labels: list[str]
    values: list[float]
    kind: str = "bar"
    """``bar`` or ``line``."""
    unit: str = ""
    """Appended to the axis maximum (``%``, `` s``)."""


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "–"
    return (f"{value:.0f}" if value >= 10 or value.is_integer() else f"{value:.1f}") + unit


def svg(series: Series) -> str:
    """The chart as an ``<svg>`` element (role img, titled)."""
    known = [v for v in series.values if not math.isnan(v)]
    top = max(known, default=0.0) or 1.0
    n = max(1, len(series.values))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / n
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{series.key}-t" '
        f'data-chart="{escape(series.key)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{series.key}-t">{escape(series.title)}</title>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{_fmt(top, series.unit)}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    points = []
    for i, value in enumerate(series.values):
        x = LEFT + i * step
        if not math.isnan(value):
            h = plot_h * value / top
            if series.kind == "bar" and value > 0:
                parts.append(
                    f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{TOP + plot_h - h:.1f}" '
                    f'width="{step * 0.7:.1f}" height="{h:.1f}"/>'
                )
            elif series.kind == "line":
                points.append((x + step / 2, TOP + plot_h - h))
        if (n - 1 - i) % max(1, n // 7) == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
                f"{escape(series.labels[i])}</text>"
            )
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="line" points="{path}"/>')
        parts.extend(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in points)
    parts.append("</svg>")
    return "".join(parts)
