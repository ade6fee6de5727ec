"""Bar charts drawn on the server as SVG geometry, and the small-count rule every aggregate follows.

A count from 1 to 4 is shown as "fewer than 5" and its bar drawn at the threshold with a hatched
look: a chart of persons by status or returns by month must not let one child in one group be
singled out. Zero is shown (it singles no one out). Nothing here is inline style: the template
writes the geometry as SVG attributes and the look comes from classes in static/casework/app.css.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

SMALL_COUNT = 5
# Counts are read off an index up to this many and no further (a page must not count 100,000
# persons to draw a bar): a larger count is shown as "more than 1000", its bar drawn at the cap.
COUNT_CAP = 1000
# Each bar has its label on a line of its own above it, so that a long label ("допущен(а) к
# возвращению") keeps the full width of a phone; the drawing is about as wide as a 390-px phone,
# so its text is drawn near its own size there.
LABEL_LINE = 16
BAR_HEIGHT = 14
ROW_GAP = 8
ROW_HEIGHT = LABEL_LINE + BAR_HEIGHT + ROW_GAP
PLOT_WIDTH = 250
VALUE_WIDTH = 110


def is_suppressed(count: int) -> bool:
    return 0 < count < SMALL_COUNT


def shown_count(count: int) -> str:
    """The count as an aggregate may show it."""
    if is_suppressed(count):
        return gettext("fewer than %(n)s") % {"n": SMALL_COUNT}
    if count > COUNT_CAP:
        return gettext("more than %(n)s") % {"n": COUNT_CAP}
    return str(count)


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    text: str
    suppressed: bool
    label_y: int
    bar_y: int
    value_y: int
    width: int
    value_x: int


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_height: int

    @property
    def empty(self) -> bool:
        return not any(bar.count for bar in self.bars)


def bar_chart(rows: Iterable[tuple[str, str, int]]) -> BarChart:
    """A horizontal bar per (key, label, count), scaled to the largest shown value; a suppressed
    count is drawn as the threshold, so its bar tells no more than its text."""
    rows = list(rows)
    drawn = [SMALL_COUNT if is_suppressed(n) else min(n, COUNT_CAP) for _, _, n in rows]
    top = max(drawn, default=0) or 1
    bars = tuple(
        Bar(
            key=key,
            label=label,
            count=count,
            text=shown_count(count),
            suppressed=is_suppressed(count),
            label_y=i * ROW_HEIGHT + LABEL_LINE - 4,
            bar_y=i * ROW_HEIGHT + LABEL_LINE,
            value_y=i * ROW_HEIGHT + LABEL_LINE + BAR_HEIGHT - 2,
            width=round(PLOT_WIDTH * value / top),
            value_x=round(PLOT_WIDTH * value / top) + 6,
        )
        for i, ((key, label, count), value) in enumerate(zip(rows, drawn, strict=True))
    )
    return BarChart(
        bars=bars,
        width=PLOT_WIDTH + VALUE_WIDTH,
        height=max(len(bars) * ROW_HEIGHT - ROW_GAP, ROW_HEIGHT),
        bar_height=BAR_HEIGHT,
    )
