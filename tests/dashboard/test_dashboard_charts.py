"""The SVG charts: well-formed, scalable, markers linked to their findings, text alternatives."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from tests.dashboard.dashboard_fixture import SPIKE_RUN, dashboard
from tests.rehab.rehab_builders import TODAY, library

from strava_rehab.dashboard import load_series, pain_chart, pain_timelines
from strava_rehab.dashboard.charts import load_chart, nice_ceiling
from strava_rehab.pain import PainReport
from strava_rehab.rehab import PainEntry

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def test_load_chart_is_well_formed_and_scales_by_viewbox() -> None:
    root = _parse(dashboard().load_chart.svg)
    assert root.get("viewBox", "").startswith("0 0 400 ")
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("role") == "img"
    assert root.find("svg:title", NS) is not None
    assert root.find("svg:desc", NS) is not None


def test_load_chart_draws_bars_week_line_reference_and_linked_spikes() -> None:
    d = dashboard()
    root = _parse(d.load_chart.svg)
    bars = root.findall(".//svg:g[@class='bars']/svg:rect", NS)
    assert len(bars) == 6  # one per running day
    assert root.find(".//svg:polyline[@class='week-total']", NS) is not None
    assert root.find(".//svg:path[@class='reference']", NS) is not None
    links = root.findall(".//svg:a[@class='spike']", NS)
    assert {link.get("href") for link in links} == {f"#finding-{m.id}" for m in d.load.spikes}
    spike = next(
        link
        for link in links
        if link.get("href") == f"#finding-{SPIKE_RUN}-2025-06-02-session-spike"
    )
    assert spike.get("data-band") == "moderate"
    title = spike.find("svg:title", NS)
    assert title is not None and title.text is not None
    assert "moderate spike" in title.text and "14.0 km" in title.text and "10.0 km" in title.text
    assert spike.find("svg:polygon", NS) is not None  # a warning is a triangle


def test_load_chart_text_alternative() -> None:
    chart = dashboard().load_chart
    assert "29.0 km" in chart.summary  # the last 7 days
    assert "14.0 km" in chart.summary  # tomorrow's reference
    assert "moderate spike on 2 Jun 2025" in chart.summary
    assert chart.table.headers[0] == "Day"
    assert len(chart.table.rows) == 6
    assert chart.table.rows[-1] == [
        "2 Jun 2025",
        "14.0 km",
        "29.0 km",
        "10.0 km",
        "moderate spike, weekly increase",
    ]


def test_empty_history_still_draws() -> None:
    load = load_series([], [], TODAY)
    chart = load_chart(load)
    root = _parse(chart.svg)
    assert root.find(".//svg:path[@class='reference']", NS) is None
    assert "No spikes are marked" in chart.summary
    assert chart.table.rows == []


def test_pain_chart_limit_line_points_and_red_flags() -> None:
    d = dashboard()
    shin_chart, heel_chart = d.pain_charts
    shin = _parse(shin_chart.svg)
    limit = shin.find(".//svg:line[@class='limit']", NS)
    assert limit is not None and limit.get("stroke-dasharray")
    assert len(shin.findall(".//svg:g[@class='pain-point']", NS)) == 2
    assert shin.find(".//svg:g[@class='red-flag']", NS) is None
    heel = _parse(heel_chart.svg)
    (flag,) = heel.findall(".//svg:g[@class='red-flag']", NS)
    title = flag.find("svg:title", NS)
    assert title is not None and title.text is not None and "Warning sign" in title.text
    assert "1 with a warning sign" in heel_chart.summary
    assert "latest 4/10" in shin_chart.summary
    assert shin_chart.table.rows[1][:4] == ["2 Jun 2025", "4/10", "left", "no"]


def test_markup_in_a_note_is_text_in_the_svg() -> None:
    report = PainReport(region="shin", score=6, text='<script>alert("x")</script> & more')
    timelines = pain_timelines(
        [PainEntry(local_date=TODAY, activity_id=1, report=report)],
        library(),
        TODAY - timedelta(days=6),
        TODAY,
    )
    chart = pain_chart(timelines[0], TODAY - timedelta(days=6), TODAY)
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;alert(" in chart.svg
    root = _parse(chart.svg)
    assert root.find(".//svg:script", NS) is None
    titles = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(report.text in title for title in titles)  # drawn as text, not run
    assert chart.table.rows[0][-1] == report.text  # escaped by the template, not altered here
    assert timelines[0].points[0].over_limit


def test_nice_ceiling() -> None:
    assert [nice_ceiling(v) for v in (0.2, 1.0, 1.2, 3.0, 16.1, 29.0, 50.0, 51.0)] == [
        1.0,
        1.0,
        2.0,
        5.0,
        20.0,
        50.0,
        50.0,
        100.0,
    ]
