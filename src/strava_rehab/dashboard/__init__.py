"""The runner's own page, as pure parts: view models, SVG charts, the export zip, templates.

Nothing here reads the database, the clock, the environment or the network: the web layer
gathers the inputs (see ``build_dashboard``) and renders the returned view models with the
templates from ``environment()``.
"""

from strava_rehab.dashboard.build import (
    DEFAULT_WEEKS,
    build_dashboard,
    chart_window,
    finding_id,
    load_series,
    pain_timelines,
    plan_views,
    suggestion_views,
)
from strava_rehab.dashboard.charts import load_chart, pain_chart
from strava_rehab.dashboard.model import (
    ChartView,
    Dashboard,
    Destination,
    LoadDay,
    LoadSeries,
    PainPoint,
    PainTimeline,
    PlanView,
    SpikeMark,
    SuggestionRecord,
    SuggestionView,
    TableView,
)
from strava_rehab.dashboard.units import format_date, format_distance

__all__ = [
    "DEFAULT_WEEKS",
    "ChartView",
    "Dashboard",
    "Destination",
    "LoadDay",
    "LoadSeries",
    "PainPoint",
    "PainTimeline",
    "PlanView",
    "SpikeMark",
    "SuggestionRecord",
    "SuggestionView",
    "TableView",
    "build_dashboard",
    "chart_window",
    "finding_id",
    "format_date",
    "format_distance",
    "load_chart",
    "load_series",
    "pain_chart",
    "pain_timelines",
    "plan_views",
    "suggestion_views",
]
