"""Server-side SVG charts, each with a text alternative (a summary sentence and a table).

No JavaScript and no network: the SVG is built with ``xml.etree.ElementTree``, which escapes
every text and attribute value, so a note containing markup is drawn as text and the output is
always well-formed XML. Sizes come from the ``viewBox`` only (``width="100%"``), so a chart
scales to the screen; the coordinate system is narrow (400 units) so that text stays readable
on a phone. Nothing needs a legend: the panels carry their own captions, lines are labelled
where they end, and spike markers differ by shape (triangle = warning, circle = notice) and
letter as well as colour.

Every text is written in the ``PageLocale`` given (default: English in kilometres), whole
sentences with named placeholders so that a translation can put the words in its own order.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from strava_rehab.dashboard.locale import ENGLISH, PageLocale
from strava_rehab.dashboard.model import (
    ChartView,
    LoadDay,
    LoadSeries,
    PainPoint,
    PainTimeline,
    SpikeMark,
    TableView,
)

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 400
_LEFT = 38
_RIGHT = 8
_PLOT_W = WIDTH - _LEFT - _RIGHT
_FONT = "10"
_SMALL_FONT = "8"

# Band → (colour, letter). Shapes carry the severity, so colour is never the only signal.
BAND_STYLE: dict[str, tuple[str, str]] = {
    "small": ("#b7791f", "S"),
    "moderate": ("#dd6b20", "M"),
    "large": ("#c53030", "L"),
    "long_return": ("#6b46c1", "R"),
    "over_threshold": ("#2b6cb0", "W"),
}
_DEFAULT_STYLE = ("#4a5568", "?")
BAR_COLOUR = "#90cdf4"
REFERENCE_COLOUR = "#1a202c"
WEEK_COLOUR = "#2c5282"
PAIN_COLOUR = "#2f855a"
LIMIT_COLOUR = "#c53030"
RED_FLAG_COLOUR = "#9b2c2c"


def band_style(band: str) -> tuple[str, str]:
    return BAND_STYLE.get(band, _DEFAULT_STYLE)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    )
    if text is not None:
        element.text = text
    return element


def _svg(chart_id: str, height: float, title: str, description: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {_num(height)}",
            "width": "100%",
            "preserveAspectRatio": "xMidYMid meet",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "chart",
            "id": chart_id,
            "font-family": "system-ui, sans-serif",
        },
    )
    _sub(root, "title", title, id=f"{chart_id}-title")
    _sub(root, "desc", description, id=f"{chart_id}-desc")
    return root


def _serialise(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^n at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power + 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


class _XAxis:
    """Day positions over ``start..end``: one slot per local day."""

    def __init__(self, start: date, end: date, loc: PageLocale = ENGLISH) -> None:
        self.start = start
        self.loc = loc
        self.count = (end - start).days + 1
        self.step = _PLOT_W / self.count

    def left(self, day: date) -> float:
        return _LEFT + (day - self.start).days * self.step

    def centre(self, day: date) -> float:
        return self.left(day) + self.step / 2

    def ticks(self) -> list[date]:
        weeks = math.ceil(self.count / 7)
        every = max(1, math.ceil(weeks / 6)) * 7
        return [self.start + timedelta(days=i) for i in range(0, self.count, every)]

    def draw(self, root: ET.Element, y: float) -> None:
        _sub(
            root,
            "line",
            x1=_num(_LEFT),
            y1=_num(y),
            x2=_num(WIDTH - _RIGHT),
            y2=_num(y),
            stroke="#718096",
            stroke_width="0.5",
        )
        for tick in self.ticks():
            x = self.left(tick)
            _sub(
                root,
                "line",
                x1=_num(x),
                y1=_num(y),
                x2=_num(x),
                y2=_num(y + 3),
                stroke="#718096",
                stroke_width="0.5",
            )
            _sub(
                root,
                "text",
                self.loc.day(tick, year=False),
                x=_num(x),
                y=_num(y + 12),
                font_size=_SMALL_FONT,
                fill="#4a5568",
            )


def _y_ticks(
    root: ET.Element,
    top: float,
    height: float,
    ceiling: float,
    labels: list[str],
    values: list[float],
) -> None:
    for value, label in zip(values, labels, strict=True):
        y = top + height - value / ceiling * height
        _sub(
            root,
            "line",
            x1=_num(_LEFT),
            y1=_num(y),
            x2=_num(WIDTH - _RIGHT),
            y2=_num(y),
            stroke="#e2e8f0",
            stroke_width="0.5",
        )
        _sub(
            root,
            "text",
            label,
            x=_num(_LEFT - 3),
            y=_num(y + 3),
            font_size=_SMALL_FONT,
            fill="#4a5568",
            text_anchor="end",
        )


# --- load chart --------------------------------------------------------------------------------

_TOP = 16
_BARS_H = 140
_GAP = 34
_WEEK_H = 60
_LOAD_H = _TOP + _BARS_H + _GAP + _WEEK_H + 22


def spike_title(mark: SpikeMark, loc: PageLocale = ENGLISH) -> str:
    values = {
        "day": loc.day(mark.local_date),
        "label": mark.label,
        "distance": loc.distance(mark.value_km),
        "reference": loc.distance(mark.reference_km or 0.0),
    }
    if mark.reference_km is not None and mark.kind == "session_spike":
        text = loc._("%(day)s: %(label)s, %(distance)s against a longest run of %(reference)s.")
    elif mark.kind == "weekly_progression" and mark.reference_km is not None:
        text = loc._(
            "%(day)s: %(label)s, %(distance)s in 7 days against %(reference)s the 7 days before."
        )
    else:
        text = loc._("%(day)s: %(label)s, %(distance)s.")
    return text % values + " " + loc._("Open the explanation and its source.")


def _marker(
    parent: ET.Element, mark: SpikeMark, x: float, y: float, loc: PageLocale = ENGLISH
) -> None:
    colour, letter = band_style(mark.band)
    link = _sub(parent, "a", href=f"#finding-{mark.id}", class_="spike", data_band=mark.band)
    _sub(link, "title", spike_title(mark, loc))
    # A warning is a triangle, anything milder a circle: the shape says it without colour.
    if mark.severity == "warning":
        points = f"{_num(x)},{_num(y - 6)} {_num(x - 6)},{_num(y + 5)} {_num(x + 6)},{_num(y + 5)}"
        _sub(link, "polygon", points=points, fill=colour, stroke="#1a202c", stroke_width="0.5")
        baseline = y + 4  # the triangle's centre of mass sits low
    else:
        _sub(
            link,
            "circle",
            cx=_num(x),
            cy=_num(y),
            r="5",
            fill=colour,
            stroke="#1a202c",
            stroke_width="0.5",
        )
        baseline = y + 2.2
    _sub(
        link,
        "text",
        letter,
        x=_num(x),
        y=_num(baseline),
        font_size="6",
        fill="#ffffff",
        text_anchor="middle",
        font_weight="bold",
    )


def _reference_path(days: Sequence[LoadDay], axis: _XAxis, y_of: Callable[[float], float]) -> str:
    parts: list[str] = []
    previous: float | None = None
    for day in days:
        value = day.reference_km
        if value is None:
            previous = None
            continue
        x0, x1, y = axis.left(day.local_date), axis.left(day.local_date) + axis.step, y_of(value)
        if previous is None:
            parts.append(f"M{_num(x0)},{_num(y)}")
        else:
            parts.append(f"V{_num(y)}")
        parts.append(f"H{_num(x1)}")
        previous = value
    return " ".join(parts)


def load_summary(load: LoadSeries, loc: PageLocale = ENGLISH) -> str:
    runs = sum(day.runs for day in load.days)
    text = loc.n_(
        "Over the %(weeks)d weeks from %(start)s to %(end)s you ran %(total)s in %(runs)d run.",
        "Over the %(weeks)d weeks from %(start)s to %(end)s you ran %(total)s in %(runs)d runs.",
        runs,
    ) % {
        "weeks": load.weeks,
        "start": loc.day(load.start),
        "end": loc.day(load.end),
        "total": loc.distance(load.total_km),
        "runs": runs,
    }
    text += " " + loc._("The last 7 days add up to %(distance)s.") % {
        "distance": loc.distance(load.last_7d_km)
    }
    if load.reference_km is None:
        text += " " + loc._(
            "There is no run in the last 30 days for your next run to be compared with."
        )
    else:
        text += " " + loc._(
            "Your next run is compared with your longest run of the last 30 days, %(distance)s."
        ) % {"distance": loc.distance(load.reference_km)}
    if not load.spikes:
        return text + " " + loc._("No spikes are marked.")
    marks = "; ".join(
        loc._("%(label)s on %(day)s (%(distance)s)")
        % {
            "label": mark.label,
            "day": loc.day(mark.local_date),
            "distance": loc.distance(mark.value_km),
        }
        for mark in load.spikes
    )
    count = len(load.spikes)
    marked = loc.n_(
        "%(count)d finding marked: %(marks)s.", "%(count)d findings marked: %(marks)s.", count
    )
    return text + " " + marked % {"count": count, "marks": marks}


def load_table(load: LoadSeries, loc: PageLocale = ENGLISH) -> TableView:
    marked: dict[date, list[str]] = {}
    for mark in load.spikes:
        marked.setdefault(mark.local_date, []).append(mark.label)
    rows = [
        [
            loc.day(day.local_date),
            loc.distance(day.km),
            loc.distance(day.rolling_7d_km),
            loc._("none") if day.reference_km is None else loc.distance(day.reference_km),
            ", ".join(marked.get(day.local_date, [])),
        ]
        for day in load.days
        if day.runs or day.local_date in marked
    ]
    return TableView(
        caption=loc._(
            "Days with runs: distance, 7-day total and the longest run of the 30 days before"
        ),
        headers=[
            loc._("Day"),
            loc._("Distance"),
            loc._("7-day total"),
            loc._("Longest run, 30 days before"),
            loc._("Marked"),
        ],
        rows=rows,
    )


def load_chart(
    load: LoadSeries, chart_id: str = "load-chart", loc: PageLocale = ENGLISH
) -> ChartView:
    summary = load_summary(load, loc)
    root = _svg(chart_id, _LOAD_H, loc._("Training load"), summary)
    axis = _XAxis(load.start, load.end, loc)
    top_value = max(
        [day.km for day in load.days] + [day.reference_km or 0.0 for day in load.days] + [1.0]
    )
    ceiling = nice_ceiling(top_value * 1.15)  # headroom for the markers

    def y_bar(value: float) -> float:
        return _TOP + _BARS_H - value / ceiling * _BARS_H

    _sub(
        root,
        "text",
        loc._("Daily distance (bars); dashed: longest run of the 30 days before"),
        x=_num(_LEFT),
        y="10",
        font_size=_FONT,
        fill="#1a202c",
    )
    _y_ticks(
        root,
        _TOP,
        _BARS_H,
        ceiling,
        [loc.distance(v, decimals=0 if v == int(v) else 1) for v in (0.0, ceiling / 2, ceiling)],
        [0.0, ceiling / 2, ceiling],
    )
    bars = _sub(root, "g", class_="bars", fill=BAR_COLOUR)
    for day in load.days:
        if day.km <= 0:
            continue
        height = day.km / ceiling * _BARS_H
        bar = _sub(
            bars,
            "rect",
            x=_num(axis.left(day.local_date) + axis.step * 0.15),
            y=_num(_TOP + _BARS_H - height),
            width=_num(axis.step * 0.7),
            height=_num(height),
        )
        _sub(bar, "title", f"{loc.day(day.local_date)}: {loc.distance(day.km)}")
    path = _reference_path(load.days, axis, y_bar)
    if path:
        _sub(
            root,
            "path",
            d=path,
            fill="none",
            stroke=REFERENCE_COLOUR,
            stroke_width="1.2",
            stroke_dasharray="4 2",
            class_="reference",
        )
    markers = _sub(root, "g", class_="spikes")
    stacked: dict[date, int] = {}
    for mark in load.spikes:
        level = stacked.get(mark.local_date, 0)
        stacked[mark.local_date] = level + 1
        bar_top = y_bar(next(d.km for d in load.days if d.local_date == mark.local_date))
        _marker(markers, mark, axis.centre(mark.local_date), max(bar_top - 8 - level * 13, 8), loc)
    axis.draw(root, _TOP + _BARS_H)

    week_top = _TOP + _BARS_H + _GAP
    week_ceiling = nice_ceiling(max([day.rolling_7d_km for day in load.days] + [1.0]))
    _sub(
        root,
        "text",
        loc._("7-day total"),
        x=_num(_LEFT),
        y=_num(week_top - 4),
        font_size=_FONT,
        fill=WEEK_COLOUR,
    )
    _y_ticks(
        root,
        week_top,
        _WEEK_H,
        week_ceiling,
        [loc.distance(0.0, decimals=0), loc.distance(week_ceiling, decimals=0)],
        [0.0, week_ceiling],
    )
    points = " ".join(
        f"{_num(axis.centre(day.local_date))},"
        f"{_num(week_top + _WEEK_H - day.rolling_7d_km / week_ceiling * _WEEK_H)}"
        for day in load.days
    )
    _sub(
        root,
        "polyline",
        points=points,
        fill="none",
        stroke=WEEK_COLOUR,
        stroke_width="1.5",
        class_="week-total",
    )
    axis.draw(root, week_top + _WEEK_H)
    return ChartView(
        id=chart_id, svg=_serialise(root), summary=summary, table=load_table(load, loc)
    )


# --- pain chart --------------------------------------------------------------------------------

_PAIN_TOP = 16
_PAIN_H = 100
_PAIN_TOTAL_H = _PAIN_TOP + _PAIN_H + 22


def _side(side: str | None, loc: PageLocale) -> str:
    """The side as the page writes it ("left"), or "" for none or both."""
    if side == "left":
        return loc._("left")
    if side == "right":
        return loc._("right")
    return side or ""


def _where(timeline: PainTimeline, point: PainPoint, loc: PageLocale = ENGLISH) -> str:
    if point.side in ("left", "right"):
        return loc._("%(side)s %(region)s") % {
            "side": _side(point.side, loc),
            "region": timeline.region_name,
        }
    return timeline.region_name


def pain_point_title(timeline: PainTimeline, point: PainPoint, loc: PageLocale = ENGLISH) -> str:
    what = loc._("no pain") if point.negated else loc.score(point.score)
    text = f"{loc.day(point.local_date)}: {_where(timeline, point, loc)} {what}"
    if point.over_limit:
        text += loc._(", above the %(limit)s/10 limit") % {"limit": f"{timeline.limit:g}"}
    if point.red_flag:
        text += loc._(". Warning sign: %(reasons)s") % {
            "reasons": "; ".join(point.red_flag_reasons)
        }
    if point.text.strip():
        text += loc._('. Your note: "%(note)s"') % {"note": point.text.strip()}
    return text


def pain_summary(timeline: PainTimeline, loc: PageLocale = ENGLISH) -> str:
    scored = [p for p in timeline.points if p.score is not None]
    count = len(timeline.points)
    region = timeline.region_name.capitalize()
    text = loc.n_("%(region)s: %(count)d note", "%(region)s: %(count)d notes", count) % {
        "region": region,
        "count": count,
    }
    if scored:
        worst = max(scored, key=lambda p: p.score or 0.0)
        text += loc._(
            ", highest %(worst)s on %(worst_day)s, latest %(latest)s on %(latest_day)s"
        ) % {
            "worst": loc.score(worst.score),
            "worst_day": loc.day(worst.local_date),
            "latest": loc.score(timeline.latest.score),
            "latest_day": loc.day(timeline.latest.local_date),
        }
    over = sum(p.over_limit for p in timeline.points)
    text += loc._(". %(over)d above the %(limit)s/10 limit") % {
        "over": over,
        "limit": f"{timeline.limit:g}",
    }
    flags = sum(p.red_flag for p in timeline.points)
    if flags:
        text += loc.n_(
            "; %(flags)d with a warning sign.", "; %(flags)d with a warning sign.", flags
        ) % {"flags": flags}
    else:
        text += loc._("; no warning signs.")
    return text


def pain_table(timeline: PainTimeline, loc: PageLocale = ENGLISH) -> TableView:
    rows = [
        [
            loc.day(p.local_date),
            loc._("no pain") if p.negated else loc.score(p.score),
            _side(p.side, loc),
            loc._("yes") if p.over_limit else loc._("no"),
            "; ".join(p.red_flag_reasons) if p.red_flag else loc._("none"),
            p.text,
        ]
        for p in timeline.points
    ]
    limit = f"{timeline.limit:g}"
    return TableView(
        caption=loc._("%(region)s pain notes") % {"region": timeline.region_name.capitalize()},
        headers=[
            loc._("Day"),
            loc._("Score"),
            loc._("Side"),
            loc._("Above %(limit)s/10") % {"limit": limit},
            loc._("Warning signs"),
            loc._("Note"),
        ],
        rows=rows,
    )


def pain_chart(
    timeline: PainTimeline, start: date, end: date, loc: PageLocale = ENGLISH
) -> ChartView:
    chart_id = f"pain-chart-{timeline.region.replace('_', '-')}"
    summary = pain_summary(timeline, loc)
    region = timeline.region_name.capitalize()
    root = _svg(chart_id, _PAIN_TOTAL_H, loc._("%(region)s pain") % {"region": region}, summary)
    axis = _XAxis(start, end, loc)

    def y_of(score: float) -> float:
        return _PAIN_TOP + _PAIN_H - score / 10 * _PAIN_H

    _sub(
        root,
        "text",
        loc._("%(region)s pain, 0–10") % {"region": region},
        x=_num(_LEFT),
        y="10",
        font_size=_FONT,
        fill="#1a202c",
    )
    _y_ticks(root, _PAIN_TOP, _PAIN_H, 10.0, ["0", "5", "10"], [0.0, 5.0, 10.0])
    limit_y = y_of(timeline.limit)
    _sub(
        root,
        "line",
        x1=_num(_LEFT),
        y1=_num(limit_y),
        x2=_num(WIDTH - _RIGHT),
        y2=_num(limit_y),
        stroke=LIMIT_COLOUR,
        stroke_width="1",
        stroke_dasharray="5 3",
        class_="limit",
    )
    _sub(
        root,
        "text",
        loc._("limit %(limit)s/10") % {"limit": f"{timeline.limit:g}"},
        x=_num(WIDTH - _RIGHT),
        y=_num(limit_y - 3),
        font_size=_SMALL_FONT,
        fill=LIMIT_COLOUR,
        text_anchor="end",
    )
    scored = [p for p in timeline.points if p.score is not None]
    if len(scored) > 1:
        _sub(
            root,
            "polyline",
            fill="none",
            stroke=PAIN_COLOUR,
            stroke_width="1.2",
            points=" ".join(
                f"{_num(axis.centre(p.local_date))},{_num(y_of(p.score or 0.0))}" for p in scored
            ),
        )
    group = _sub(root, "g", class_="pain-points")
    for point in timeline.points:
        x = axis.centre(point.local_date)
        y = y_of(point.score) if point.score is not None else _PAIN_TOP + _PAIN_H
        item = _sub(group, "g", class_="red-flag" if point.red_flag else "pain-point")
        _sub(item, "title", pain_point_title(timeline, point, loc))
        if point.red_flag:
            _sub(
                item,
                "rect",
                x=_num(x - 4.5),
                y=_num(y - 4.5),
                width="9",
                height="9",
                fill=RED_FLAG_COLOUR,
                transform=f"rotate(45 {_num(x)} {_num(y)})",
            )
            _sub(
                item,
                "text",
                "!",
                x=_num(x),
                y=_num(y + 3),
                font_size="8",
                fill="#ffffff",
                text_anchor="middle",
                font_weight="bold",
            )
        elif point.score is None:
            _sub(
                item,
                "circle",
                cx=_num(x),
                cy=_num(y),
                r="3",
                fill="#ffffff",
                stroke=PAIN_COLOUR,
                stroke_width="1",
            )
        else:
            _sub(
                item,
                "circle",
                cx=_num(x),
                cy=_num(y),
                r="3.5",
                fill=LIMIT_COLOUR if point.over_limit else PAIN_COLOUR,
            )
    axis.draw(root, _PAIN_TOP + _PAIN_H)
    return ChartView(
        id=chart_id, svg=_serialise(root), summary=summary, table=pain_table(timeline, loc)
    )
