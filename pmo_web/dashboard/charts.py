"""Server-drawn bar charts: the geometry worked out here, the SVG drawn by
templates/dashboard/_charts.html, so that the page needs no JavaScript to be read.

Every bar carries its number as text beside it (never colour alone), and the template puts
the same numbers in a table under each chart.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 300  # room for the longest stage or measure name ("Intake to investment decision (Gate 2)")
VALUE_ROOM = 130  # room after the longest bar for its number
ROW_HEIGHT = 30
BAR_HEIGHT = 20
PADDING = 6


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value it is drawn to, the text shown beside it, and where it sits."""

    label: str
    value: float
    text: str
    key: str  # CSS modifier: app-chart__bar--<key>
    y: int
    length: float

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 5


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart, with the title and description a screen reader announces."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + PADDING * 2

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def bar_chart(chart_id: str, title: str, description: str, rows, maximum: float | None = None) -> BarChart:
    """Bars from (label, value, text, key) rows, scaled so the longest fits (or to `maximum`)."""
    rows = [(label, float(value or 0), text, key) for label, value, text, key in rows]
    top = maximum or max((value for _l, value, _t, _k in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = [Bar(label, value, text, key, PADDING + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
                round(max(value, 0) / top * room, 1))
            for index, (label, value, text, key) in enumerate(rows)]
    return BarChart(chart_id, title, description, bars)
