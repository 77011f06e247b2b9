"""Trend charts as server-rendered SVG (no script, nothing to download), each with the same
figures as a table for screen readers and for anyone who prefers numbers."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .tables import number

# Colours distinguishable by people with the common colour-vision deficiencies (Okabe–Ito),
# dark enough against white; lines also differ by their markers.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
MARKERS = ["circle", "square", "diamond", "triangle", "circle"]
W, H = 520, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 14, 62


@dataclass
class Series:
    label: str
    values: list[int]


@dataclass
class Chart:
    id: str
    title: str
    x_labels: list[str]
    series: list[Series]
    stacked: bool = False

    @property
    def svg(self) -> str:
        return render(self)

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        return [(label, [number(s.values[i]) for s in self.series]) for i, label in enumerate(self.x_labels)]


def _scale(top: int) -> tuple[int, list[int]]:
    """A round upper bound and the five gridlines from 0 to it, in equal round steps."""
    step = 1
    while step * 4 < top:
        for factor in (2, 2.5, 2):  # 1, 2, 5, 10, 20, 50, ...
            step = int(step * factor)
            if step * 4 >= top:
                break
    return step * 4, [step * i for i in range(5)]


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y:.1f}L{x:.1f} {y + 4:.1f}L{x - 4:.1f} {y:.1f}Z" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y + 3:.1f}L{x - 4:.1f} {y + 3:.1f}Z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{colour}"/>'


def render(chart: Chart) -> str:
    n = len(chart.x_labels)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    if chart.stacked:
        top = max([sum(s.values[i] for s in chart.series) for i in range(n)] or [0])
    else:
        top = max([v for s in chart.series for v in s.values] or [0])
    bound, ticks = _scale(top)
    step = plot_w / max(n, 1)

    def y_of(value: float) -> float:
        return TOP + plot_h - (plot_h * value / bound if bound else 0)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" class="chart" role="img" '
             f'aria-labelledby="{chart.id}-title" focusable="false">',
             f'<title id="{chart.id}-title">{escape(chart.title)}</title>',
             f'<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>']
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5d9e0" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="13" fill="#374151">'
                     f'{escape(number(tick))}</text>')
    for i, label in enumerate(chart.x_labels):
        x = LEFT + step * (i + 0.5)
        if n <= 8 or i % 2 == n % 2 or i == n - 1:
            parts.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 18}" text-anchor="middle" font-size="12" '
                         f'fill="#374151">{escape(label)}</text>')
    if chart.stacked:
        bar = min(step * 0.6, 36)
        for i in range(n):
            base = 0
            x = LEFT + step * (i + 0.5) - bar / 2
            for index, series in enumerate(chart.series):
                value = series.values[i]
                if value:
                    parts.append(f'<rect x="{x:.1f}" y="{y_of(base + value):.1f}" width="{bar:.1f}" '
                                 f'height="{y_of(base) - y_of(base + value):.1f}" fill="{COLOURS[index % 5]}"/>')
                base += value
    else:
        for index, series in enumerate(chart.series):
            colour = COLOURS[index % 5]
            points = [(LEFT + step * (i + 0.5), y_of(v)) for i, v in enumerate(series.values)]
            if len(points) > 1:
                path = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f} {y:.1f}" for j, (x, y) in enumerate(points))
                parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.2"/>')
            parts.extend(_marker(MARKERS[index % 5], x, y, colour) for x, y in points)
    legend_y = H - 14
    x = LEFT
    for index, series in enumerate(chart.series):
        colour = COLOURS[index % 5]
        parts.append(_marker(MARKERS[index % 5] if not chart.stacked else "square", x + 4, legend_y - 4, colour))
        parts.append(f'<text x="{x + 12}" y="{legend_y}" font-size="13" fill="#1b1b1b">{escape(series.label)}</text>')
        x += 26 + 7.5 * len(series.label)
    parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#6b7280"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
