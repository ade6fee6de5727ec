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


def total_shown(counts: Iterable[int]) -> str:
    """A total printed next to counts of which some are suppressed: the sum of the counts shown
    ("at least N"), so that the total less the others never gives a suppressed count away."""
    counts = list(counts)
    if not any(is_suppressed(n) for n in counts):
        return shown_count(sum(counts))
    shown = sum(n for n in counts if not is_suppressed(n))
    if shown > COUNT_CAP:
        return gettext("more than %(n)s") % {"n": COUNT_CAP}
    return gettext("at least %(n)s") % {"n": shown}


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    count: int
    text: str
    suppressed: bool
    x: int
    width: int
    series: int  # which of the chart's series: its colour class (`seg-<series>`)


@dataclass(frozen=True)
class Cell:
    key: str
    text: str


@dataclass(frozen=True)
class StackedRow:
    key: str
    label: str
    segments: tuple[Segment, ...]
    cells: tuple[Cell, ...]  # every series' count as shown, for the table beside the chart
    label_y: int
    bar_y: int


@dataclass(frozen=True)
class StackedChart:
    rows: tuple[StackedRow, ...]
    series: tuple[tuple[str, str], ...]  # (key, label) of each series, in the legend's order
    width: int
    height: int
    bar_height: int

    @property
    def empty(self) -> bool:
        return not any(seg.count for row in self.rows for seg in row.segments)


def stacked_chart(
    rows: Iterable[tuple[str, str, dict[str, int]]], series: Iterable[tuple[str, str]]
) -> StackedChart:
    """A horizontal bar per (key, label, {series key: count}), cut into one segment per series
    with a count, each scaled like `bar_chart`'s bars (a suppressed count drawn at the threshold,
    a count above the cap at the cap). No total is written: a row's length tells no more than
    its segments, and the table beside it gives each count as an aggregate may show it."""
    rows, series = list(rows), tuple(series)
    drawn_rows = [
        [(s, SMALL_COUNT if is_suppressed(n) else min(n, COUNT_CAP)) for s, n in counts.items()]
        for _key, _label, counts in rows
    ]
    top = max((sum(v for _s, v in drawn) for drawn in drawn_rows), default=0) or 1
    order = {key: i for i, (key, _label) in enumerate(series)}
    labels = dict(series)
    built = []
    for i, ((key, label, counts), drawn) in enumerate(zip(rows, drawn_rows, strict=True)):
        x, segments = 0, []
        for s, value in sorted(drawn, key=lambda item: order[item[0]]):
            if not value:
                continue
            width = max(round(PLOT_WIDTH * value / top), 2)
            segments.append(
                Segment(
                    key=s,
                    label=labels[s],
                    count=counts[s],
                    text=shown_count(counts[s]),
                    suppressed=is_suppressed(counts[s]),
                    x=x,
                    width=width,
                    series=order[s],
                )
            )
            x += width
        built.append(
            StackedRow(
                key=key,
                label=label,
                segments=tuple(segments),
                cells=tuple(Cell(key=s, text=shown_count(counts.get(s, 0))) for s, _l in series),
                label_y=i * ROW_HEIGHT + LABEL_LINE - 4,
                bar_y=i * ROW_HEIGHT + LABEL_LINE,
            )
        )
    return StackedChart(
        rows=tuple(built),
        series=series,
        width=PLOT_WIDTH + VALUE_WIDTH,
        height=max(len(built) * ROW_HEIGHT - ROW_GAP, ROW_HEIGHT),
        bar_height=BAR_HEIGHT,
    )
