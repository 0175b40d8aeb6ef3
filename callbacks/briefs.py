"""One measure's brief: the figures, chart, SPC reading, commentary and open actions that a
meeting screen and a board pack both show, computed the same way as the subgroup pages so that
screen, projector and paper agree. Callers check rights first; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from callbacks import data
from callbacks.subgroup import (
    comparison_text,
    default_focus,
    label_periods,
    mark_revisions,
    period_labeller,
    plan,
    revised_points,
    run_spc,
    summary_text,
    suppress_small,
    timeline_events,
    view_for,
)
from layouts import measure as grammar
from layouts import spc_chart
from loaders import board, events, meetings
from loaders.measures import MEASURES, MeasureSpec
from loaders.models import MeetingAction
from loaders.queries import Provenance


@dataclass
class MeasureBrief:
    """Everything said about one measure at one meeting. `figure` is None when nothing is loaded."""

    spec: MeasureSpec
    area_code: str | None = None
    area_name: str = ""
    period_end: date | None = None
    texts: dict = field(default_factory=dict)  # tile words: label, value, change, period, ...
    summary: str = ""  # the one-line text summary behind the chart
    reading: str = ""  # the SPC reading in words
    variation: str | None = None
    signal: bool = False  # the latest point is a special-cause signal: an exception
    figure: go.Figure | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # the data behind the chart
    provenance: Provenance | None = None
    commentary: meetings.CommentaryView | None = None
    actions: list[MeetingAction] = field(default_factory=list)
    suppressed: bool = False

    @property
    def has_figures(self) -> bool:
        return self.figure is not None


def focus_reading(spec: MeasureSpec, all_events) -> tuple | None:
    """(view, focus area, SPC result, rows, events) for the series a brief follows, or None when
    nothing is loaded: the one place that decides which series a meeting or pack reads."""
    view = view_for(spec)
    focus = default_focus(view)
    if view.totals.empty or focus is None:
        return None
    measure_events = events.events_for(spec.id, all_events)
    result, rows = run_spc(view, focus, measure_events)
    return view, focus, result, rows, measure_events


def is_signal(result) -> bool:
    """The latest point is a special-cause signal: the measure is an exception."""
    return result.variation not in (None, "common_cause")


def exception_labels(measure_ids: list[str]) -> dict[str, str]:
    """Measure → its SPC reading's label, for measures whose latest point is a signal. Decided as
    measure_brief decides `signal`, without drawing charts, so a long agenda stays quick."""
    all_events = timeline_events()
    found = {}
    for measure_id in measure_ids:
        reading = focus_reading(MEASURES[measure_id], all_events)
        if reading is not None and is_signal(reading[2]):
            found[measure_id] = reading[2].variation_label
    return found


def measure_brief(
    measure_id: str,
    *,
    hide_small_numbers: bool,
    all_events=None,
    today: date | None = None,
    up_to: date | None = None,
) -> MeasureBrief:
    """The brief for a measure the caller has already checked the user may see."""
    spec = MEASURES[measure_id]
    all_events = timeline_events() if all_events is None else all_events
    brief = MeasureBrief(spec=spec, provenance=data.provenance(spec.dataset_id))
    with data.session_factory()() as session:
        brief.commentary = meetings.latest_published(session, [spec.id], up_to=up_to).get(spec.id)
        brief.actions = meetings.actions(session, [spec.id], open_only=True)
    reading = focus_reading(spec, all_events)
    if reading is None:
        return brief
    view, focus, result, rows, measure_events = reading
    labeller = period_labeller(rows)
    headline = view.headlines[focus]
    figure = spc_chart.create_figure(
        result, y_title=spec.unit, events=measure_events, period_label=labeller
    )
    label_periods(figure, rows, labeller)
    figure.update_layout(title=None)
    texts = grammar.tile_texts(
        view,
        headline,
        view.headlines.get(plan().national),
        comparison_text(view, headline),
        result.variation_label,
    )
    threshold = data.suppression_threshold()
    brief.suppressed = hide_small_numbers and board.suppressed(headline.value, spec.unit, threshold)
    if brief.suppressed:
        texts["value"] = f"<{threshold} (suppressed)"
        brief.summary = (
            f"{headline.area_name}: fewer than {threshold}, so the figure is suppressed."
        )
    brief.area_code, brief.area_name = focus, headline.area_name
    brief.period_end = headline.period_end
    brief.texts = texts
    revised = revised_points(view, focus, hide_small_numbers)
    table, revised_sentence = mark_revisions(
        figure,
        spc_chart.spc_table(result, events=measure_events, period_label=labeller),
        revised,
        headline.area_name,
        spec.unit,
    )
    latest = revised[revised["period_end"] == pd.Timestamp(headline.period_end)]
    if not brief.suppressed and not latest.empty:
        texts["revision"] = latest["revision_note"].iloc[0]
    brief.summary = (brief.summary or summary_text(view, focus, result)) + revised_sentence
    brief.reading = result.reading()
    brief.variation = result.variation
    brief.signal = is_signal(result)
    brief.figure = figure
    if hide_small_numbers and spec.unit in board.SUMMABLE_UNITS:
        table = suppress_small(table, spec.unit, threshold, True)
    brief.table = table
    return brief
