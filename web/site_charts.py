"""Server-drawn SVG charts: geometry computed here, drawn by templates/_charts.html (no script,
no library; each chart also has a data table for screen readers)."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP, RIGHT = 48, 36, 12, 8
MAX_BARS = 96


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    show_label: bool


@dataclass
class Chart:
    title: str
    unit: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, value)
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT

    @property
    def empty(self) -> bool:
        return not self.bars


def _nice_max(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least the largest value."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def bar_chart(title: str, unit: str, points: list[tuple[str, int]]) -> Chart:
    chart = Chart(title=title, unit=unit)
    points = points[-MAX_BARS:]
    if not points:
        return chart
    top = _nice_max(max(v for _, v in points))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(points)
    every = max(1, round(len(points) / 8))  # at most ~8 labels along the bottom
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        chart.bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.1, 2),
                y=round(TOP + plot_h - h, 2),
                width=round(max(slot * 0.8, 1), 2),
                height=round(h, 2),
                label=label,
                value=value,
                show_label=i % every == 0,
            )
        )
    chart.ticks = [(round(TOP + plot_h - plot_h * f, 2), round(top * f)) for f in (0, 0.5, 1)]
    return chart
